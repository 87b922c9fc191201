using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AptP2P.Tests.Fixtures;

/// <summary>
/// Five python3-libtorrent DHT nodes on 127.0.0.1 (or on ::1: <see cref="LibtorrentCluster(string)"/>; one Python process,
/// one libtorrent session per node), linked to each other and to nothing outside: the independent implementation our node
/// must interoperate with. Needs Debian's <c>/usr/bin/python3</c> with the <c>python3-libtorrent</c> package; fails loudly
/// without it.
/// </summary>
public sealed class LibtorrentCluster(string address) : IAsyncLifetime
{
    public LibtorrentCluster()
        : this("127.0.0.1")
    {
    }

    /// <summary>The loopback address every node listens on.</summary>
    public string Address { get; } = address;

    public const int NodeCount = 5;
    private const string Python = "/usr/bin/python3";

    private readonly SemaphoreSlim _commands = new(1, 1);
    private readonly StringBuilder _stderr = new();
    private Process? _process;
    private string? _scriptPath;

    public IReadOnlyList<int> Ports { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Python))
            throw new InvalidOperationException($"{Python} is missing: install Debian's python3 and python3-libtorrent (apt-get install python3-libtorrent).");
        _scriptPath = Path.Combine(Path.GetTempPath(), $"aptp2p-libtorrent-{Environment.ProcessId}-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(_scriptPath, LibtorrentScript.Source);
        var start = new ProcessStartInfo(Python)
        {
            ArgumentList = { "-W", "ignore", _scriptPath, NodeCount.ToString(System.Globalization.CultureInfo.InvariantCulture), Address },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start python3.");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                    _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
        var ready = await ReadLineAsync(TimeSpan.FromSeconds(30));
        if (ready["fatal"] is { } fatal)
            throw new InvalidOperationException($"libtorrent fixture cannot run: {fatal}. Install python3-libtorrent (apt-get install python3-libtorrent).");
        Ports = ready["ports"]!.AsArray().Select(p => p!.GetValue<int>()).ToList();
        if (Ports.Count != NodeCount || Ports.Any(p => p == 0))
            throw new InvalidOperationException($"libtorrent nodes did not all listen: {ready.ToJsonString()}");
    }

    /// <summary>Sends one command to the Python side and returns its JSON answer; fails with the Python stderr on error.</summary>
    public async Task<JsonObject> SendAsync(object command, TimeSpan timeout)
    {
        await _commands.WaitAsync(timeout);
        try
        {
            await _process!.StandardInput.WriteLineAsync(JsonSerializer.Serialize(command));
            await _process.StandardInput.FlushAsync();
            var answer = await ReadLineAsync(timeout);
            if (answer["error"] is { } error)
                throw new InvalidOperationException($"libtorrent command {JsonSerializer.Serialize(command)} failed: {error}\n{Stderr}");
            return answer;
        }
        finally
        {
            _commands.Release();
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    private async Task<JsonObject> ReadLineAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        string? line;
        try
        {
            line = await _process!.StandardOutput.ReadLineAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"libtorrent fixture gave no answer within {timeout}.\n{Stderr}");
        }
        if (line is null)
            throw new InvalidOperationException($"libtorrent fixture exited (code {(_process.HasExited ? _process.ExitCode : -1)}).\n{Stderr}");
        return JsonNode.Parse(line)?.AsObject() ?? throw new InvalidOperationException($"Unreadable answer: {line}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.StandardInput.Close();
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    try
                    {
                        await process.WaitForExitAsync(cts.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        process.Kill(entireProcessTree: true);
                    }
                }
            }
            finally
            {
                process.Dispose();
            }
        }
        if (_scriptPath is not null)
            File.Delete(_scriptPath);
        _commands.Dispose();
    }
}
