using System.Diagnostics;
using System.Text;

namespace AptP2P.Testing.Machine;

/// <summary>What to run: a program, its arguments, and where and how long.</summary>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables to set for the child; a null value removes the variable.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    public string CommandLine => string.Join(' ', Arguments.Prepend(FileName).Select(Quote));

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? arg : $"'{arg.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}

/// <summary>Exit code and output of a finished process; <see cref="Output"/> interleaves stdout and stderr as they came.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError, string Output, TimeSpan Elapsed);

/// <summary>A process exited non-zero, or ran past its timeout.</summary>
public sealed class ProcessFailedException : Exception
{
    public ProcessFailedException(string message) : base(message) { }

    public ProcessFailedException(string message, Exception innerException) : base(message, innerException) { }

    public ProcessFailedException() { }

    public static ProcessFailedException NonZeroExit(ProcessResult result) => new(
        $"`{result.CommandLine}` exited with code {result.ExitCode} after {result.Elapsed.TotalSeconds:0.0} s. Output:{System.Environment.NewLine}{result.Output}");
}

/// <summary>Runs external programs with captured output and a hard timeout.</summary>
public static class ProcessRunner
{
    /// <summary>Runs the process and throws <see cref="ProcessFailedException"/> (with its output) unless it exits 0.</summary>
    public static async Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken)
    {
        var result = await RunUncheckedAsync(spec, cancellationToken);
        return result.ExitCode == 0 ? result : throw ProcessFailedException.NonZeroExit(result);
    }

    public static Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(new ProcessSpec(fileName, [.. arguments]), cancellationToken);

    /// <summary>Runs the process and returns its result whatever the exit code; throws only on timeout or cancellation.</summary>
    public static async Task<ProcessResult> RunUncheckedAsync(ProcessSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var startInfo = new ProcessStartInfo(spec.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? string.Empty,
        };
        foreach (var arg in spec.Arguments)
        {
            startInfo.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in spec.Environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var combined = new StringBuilder();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);

        var stopwatch = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ProcessFailedException($"Could not start `{spec.CommandLine}`: {e.Message}", e);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(spec.Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new ProcessFailedException(
                $"`{spec.CommandLine}` did not finish within {spec.Timeout.TotalSeconds:0} s and was killed. Output so far:{System.Environment.NewLine}{Snapshot(combined)}");
        }

        return new ProcessResult(spec.CommandLine, process.ExitCode, Snapshot(stdout), Snapshot(stderr), Snapshot(combined), stopwatch.Elapsed);

        void Append(StringBuilder own, string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (combined)
            {
                own.AppendLine(line);
                combined.AppendLine(line);
            }
        }

        string Snapshot(StringBuilder builder)
        {
            lock (combined)
            {
                return builder.ToString();
            }
        }
    }
}
