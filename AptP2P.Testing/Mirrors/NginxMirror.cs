using System.Diagnostics;
using System.Net;
using System.Text;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Repositories;

namespace AptP2P.Testing.Mirrors;

/// <summary>
/// A real nginx serving a directory on 127.0.0.1:&lt;free port&gt; (or another <see cref="ListenAddress"/>) with its own config, pid and logs in a temp
/// directory (nothing under /var/log/nginx), logging what apt sends in <see cref="NginxLogEntry.LogFormat"/>.
/// The master runs in the foreground as a child of the test process; the port stays the same across restarts.
/// </summary>
public sealed class NginxMirror : IAsyncDisposable, IDisposable
{
    private const int MaxPortAttempts = 5;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly TestPaths _paths;
    private readonly IReadOnlyList<string> _serverConfig;
    private readonly StringBuilder _consoleOutput = new();
    private Process? _master;

    /// <param name="documentRoot">The directory to serve, typically <see cref="DebianRepository.Root"/>.</param>
    /// <param name="serverConfig">Extra directives placed inside the <c>server { }</c> block, e.g. <c>location /gone/ { return 404; }</c>.</param>
    public NginxMirror(string documentRoot, IEnumerable<string>? serverConfig = null)
    {
        DocumentRoot = documentRoot;
        _serverConfig = [.. serverConfig ?? []];
        _paths = TestPaths.Create("nginx");
    }

    public string DocumentRoot { get; }

    /// <summary>nginx worker processes; benchmarks give it one per core.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>The port, chosen at the first start and kept for restarts; 0 before that.</summary>
    public int Port { get; private set; }

    /// <summary>The address nginx listens on: loopback by default; a bridge's address to serve network namespaces.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Serve https with this authority's server certificate instead of plain http.</summary>
    public TestCertificateAuthority? Tls { get; init; }

    public string HostPort => EndPoint.ToString();

    public Uri BaseUri => new($"{(Tls is null ? "http" : "https")}://{HostPort}/");

    public IPEndPoint EndPoint => new(ListenAddress, Port);

    public bool IsRunning => _master is { HasExited: false };

    /// <summary>The master's process id while it runs (its workers are its children).</summary>
    public int? MasterProcessId => IsRunning ? _master!.Id : null;

    public string ConfigPath => _paths.PathOf("nginx.conf");

    public string AccessLogPath => _paths.PathOf(NginxConfig.AccessLogName);

    public string ErrorLogPath => _paths.PathOf(NginxConfig.ErrorLogName);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            return;
        }
        var nginx = Prerequisites.Require("nginx");
        var keepPort = Port != 0;
        for (var attempt = 1; ; attempt++)
        {
            if (!keepPort)
            {
                Port = FreePort.Pick(ListenAddress);
            }
            await File.WriteAllTextAsync(ConfigPath, NginxConfig.Render(_paths.Root, EndPoint, DocumentRoot, _serverConfig, Workers, Tls), cancellationToken);
            var errorLogLength = File.Exists(ErrorLogPath) ? new FileInfo(ErrorLogPath).Length : 0;
            _master = Launch(nginx, ["-g", "daemon off;"]);
            var problem = await WaitUntilServingAsync(cancellationToken);
            if (problem is null)
            {
                return;
            }
            _master.Dispose();
            _master = null;
            // Another process may have taken the port between FreePort.Pick and nginx's bind.
            if (!keepPort && attempt < MaxPortAttempts && problem.Contains("Address already in use", StringComparison.Ordinal))
            {
                continue;
            }
            throw new InvalidOperationException(
                $"nginx did not start on {HostPort} (config {ConfigPath}): {problem}{Environment.NewLine}"
                + $"error.log:{Environment.NewLine}{ReadFrom(ErrorLogPath, errorLogLength)}{Environment.NewLine}console:{Environment.NewLine}{ConsoleOutput()}");
        }
    }

    /// <summary>Stops nginx (master and workers) and returns once the port refuses connections.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_master is null)
        {
            return;
        }
        var master = _master;
        _master = null;
        try
        {
            if (!master.HasExited)
            {
                // "-s stop" is SIGTERM to the master: fast shutdown, open keep-alive connections are closed.
                await ProcessRunner.RunUncheckedAsync(
                    new ProcessSpec(Prerequisites.Require("nginx"), [.. CommonArguments(), "-s", "stop"]) { Timeout = StopTimeout },
                    cancellationToken);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(StopTimeout);
                try
                {
                    await master.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    master.Kill(entireProcessTree: true);
                    await master.WaitForExitAsync(CancellationToken.None);
                }
            }
        }
        finally
        {
            master.Dispose();
        }
        await FreePort.WaitUntilAsync(EndPoint, listening: false, StopTimeout, () => $"nginx was stopped; error.log: {ReadFrom(ErrorLogPath, 0)}", cancellationToken);
    }

    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopAsync(cancellationToken);
        await StartAsync(cancellationToken);
    }

    /// <summary>Every complete line of the access log so far, oldest first.</summary>
    public IReadOnlyList<NginxLogEntry> ReadAccessLog()
    {
        if (!File.Exists(AccessLogPath))
        {
            return [];
        }
        using var stream = new FileStream(AccessLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd();
        // A line nginx is writing right now has no newline yet: leave it for the next read.
        var complete = text[..(text.LastIndexOf('\n') + 1)];
        return [.. complete.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(NginxLogEntry.Parse)];
    }

    public int CountRequests(Func<NginxLogEntry, bool> predicate) => ReadAccessLog().Count(predicate);

    /// <summary>
    /// Polls the access log until at least <paramref name="count"/> entries match; nginx writes a line only after the
    /// response is handed to the kernel, so a client may finish a moment before its request is logged.
    /// </summary>
    public async Task<IReadOnlyList<NginxLogEntry>> WaitForRequestsAsync(
        Func<NginxLogEntry, bool> predicate, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var matching = ReadAccessLog().Where(predicate).ToList();
            if (matching.Count >= count)
            {
                return matching;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"Expected at least {count} matching requests in nginx's access log within {timeout.TotalSeconds:0.#} s, found {matching.Count}. "
                    + $"Log:{Environment.NewLine}{ReadFrom(AccessLogPath, 0)}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    /// <summary>Empties the access log (nginx appends with O_APPEND, so it simply continues at the new end).</summary>
    public void ClearAccessLog()
    {
        if (File.Exists(AccessLogPath))
        {
            using var stream = new FileStream(AccessLogPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            stream.SetLength(0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _paths.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public override string ToString() => $"nginx on {HostPort} serving {DocumentRoot}";

    // -e keeps nginx's startup messages out of /var/log/nginx/error.log; -p/-c make every relative path ours.
    private string[] CommonArguments() => ["-e", ErrorLogPath, "-p", _paths.Root + "/", "-c", ConfigPath];

    private Process Launch(string nginx, string[] extraArguments)
    {
        var startInfo = new ProcessStartInfo(nginx)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in CommonArguments().Concat(extraArguments))
        {
            startInfo.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => AppendConsole(e.Data);
        process.ErrorDataReceived += (_, e) => AppendConsole(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Null once nginx accepts connections; otherwise why it is not going to.</summary>
    private async Task<string?> WaitUntilServingAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_master!.HasExited)
            {
                await _master.WaitForExitAsync(cancellationToken);
                var errors = ReadFrom(ErrorLogPath, 0) + ConsoleOutput();
                return $"nginx exited with code {_master.ExitCode}." + (errors.Contains("Address already in use", StringComparison.Ordinal) ? " Address already in use." : string.Empty);
            }
            if (await FreePort.IsListeningAsync(EndPoint, cancellationToken))
            {
                return null;
            }
            if (DateTime.UtcNow > deadline)
            {
                _master.Kill(entireProcessTree: true);
                await _master.WaitForExitAsync(CancellationToken.None);
                return $"nothing listened on {HostPort} within {StartTimeout.TotalSeconds:0} s.";
            }
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }

    private void AppendConsole(string? line)
    {
        if (line is not null)
        {
            lock (_consoleOutput)
            {
                _consoleOutput.AppendLine(line);
            }
        }
    }

    private string ConsoleOutput()
    {
        lock (_consoleOutput)
        {
            return _consoleOutput.ToString();
        }
    }

    private static string ReadFrom(string path, long offset)
    {
        if (!File.Exists(path))
        {
            return "(none)";
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
