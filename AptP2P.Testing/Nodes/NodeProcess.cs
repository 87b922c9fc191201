using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using AptP2P.Testing.Machine;

namespace AptP2P.Testing.Nodes;

/// <summary>How to start a <see cref="NodeProcess"/>.</summary>
public sealed record NodeProcessOptions
{
    /// <summary>Reuse a directory to test restarts; null for a fresh one removed on dispose.</summary>
    public string? DataDirectory { get; init; }

    public string BindAddress { get; init; } = "127.0.0.1";

    /// <summary>The node's TCP and UDP port; a process cannot report a port the kernel picked, so it is given up front.</summary>
    public int Port { get; init; } = 9977;

    /// <summary>
    /// Extra configuration as <c>key=value</c>. <c>AptP2P:Dht:BootstrapNodes</c> and the shared directories are emptied first
    /// (a test node never contacts the public routers) and local discovery is off (no multicast on the machine's network); a
    /// setting given here wins.
    /// </summary>
    public IReadOnlyList<string> Settings { get; init; } = [];

    /// <summary>A command the node runs under, such as <c>ip netns exec ns1</c>; it must exec the node (keep its pid).</summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];

    /// <summary>The host the test reaches the node's HTTP port at when that is not the bind address (a node in a network namespace).</summary>
    public string? ReachableAt { get; init; }

    /// <summary>Environment variables for the node, e.g. <c>SSL_CERT_FILE</c> for a test certificate authority.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Local discovery as a real machine has it: left to the configuration (on by default, so settings.json may turn it off
    /// and the settings API on again). Otherwise it is off on the command line: no multicast on the machine's real network.
    /// </summary>
    public bool LocalDiscovery { get; init; }

    /// <summary>
    /// A published node's program (the apphost of a self-contained <c>dotnet publish</c>, as the package installs it) run
    /// instead of <c>dotnet AptP2P.Web.dll</c> from the build output; null for the build output.
    /// </summary>
    public string? Executable { get; init; }

    /// <summary>How long the node may take to log that it started.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// A real AptP2P node as a child process (<c>dotnet AptP2P.Web.dll</c>, the program a user runs), for what an in-process
/// node cannot show: <c>kill -9</c> at a chosen moment, <c>SIGTERM</c>, a node inside a network namespace. Its console log
/// (one line per entry, with timestamps) is kept for assertions and for the message of a failing test.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private const int MaxKeptLines = 50_000;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly bool _ownsDirectory;

    private NodeProcess(Process process, NodeProcessOptions options, string dataDirectory, bool ownsDirectory)
    {
        _process = process;
        Options = options;
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
    }

    public NodeProcessOptions Options { get; }
    public string DataDirectory { get; }
    public int ProcessId => _process.Id;
    public Uri BaseUri => new($"http://{UriHost(Options.ReachableAt ?? (Options.BindAddress is "0.0.0.0" or "::" ? "127.0.0.1" : Options.BindAddress))}:{Options.Port}/");

    private static string UriHost(string host) =>
        System.Net.IPAddress.TryParse(host, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host;
    public bool HasExited => _process.HasExited;

    /// <summary>The process's exit code; valid once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Every line the node wrote to stdout and stderr so far.</summary>
    public IReadOnlyList<string> Output => _output.ToArray();

    public IEnumerable<string> Matching(string fragment) => _output.Where(l => l.Contains(fragment, StringComparison.Ordinal));

    /// <summary>The path of the web host's program next to the test assemblies (every project referencing the web host has it).</summary>
    public static string ProgramPath
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "AptP2P.Web.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the solution first", path);
        }
    }

    public static async Task<NodeProcess> StartAsync(NodeProcessOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var owns = options.DataDirectory is null;
        var dataDirectory = options.DataDirectory ?? Directory.CreateTempSubdirectory("aptp2p-process-").FullName;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        string[] command =
        [
            .. options.CommandPrefix,
            .. options.Executable is { } executable ? [executable] : new[] { dotnet, ProgramPath },
            $"--AptP2P:Port={options.Port}",
            $"--AptP2P:BindAddress={options.BindAddress}",
            $"--AptP2P:DataDirectory={dataDirectory}",
            "--AptP2P:Dht:BootstrapNodes=",
            // Nor multicast on the machine's real network: local discovery only where a test turns it on (its own LAN).
            .. options.LocalDiscovery ? Array.Empty<string>() : ["--AptP2P:Discovery:Lan=false"],
            // Nor the machine's real gateway: port mapping only where a test points it at a gateway of its own.
            "--AptP2P:PortMapping:Enabled=false",
            "--AptP2P:Peers:SharedDirectories:0=",
            "--" + Repositories.TestKeyrings.Setting,
            "--Logging:Console:FormatterName=simple",
            "--Logging:Console:FormatterOptions:SingleLine=true",
            "--Logging:Console:FormatterOptions:TimestampFormat=HH:mm:ss.fff ",
            "--Logging:Console:FormatterOptions:ColorBehavior=Disabled",
            .. options.Settings.Select(s => "--" + s),
        ];
        var startInfo = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1))
            startInfo.ArgumentList.Add(argument);
        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Production";
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in options.Environment)
            startInfo.Environment[name] = value;

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var node = new NodeProcess(process, options, dataDirectory, owns);
        process.OutputDataReceived += (_, e) => node.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => node.Keep(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ProcessFailedException($"Could not start `{string.Join(' ', command)}`: {e.Message}", e);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await node.WaitForOutputAsync("Application started", options.StartTimeout, cancellationToken);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        return node;
    }

    /// <summary>Waits for a line containing <paramref name="fragment"/>; fails with the whole output when the node exits or time runs out.</summary>
    public async Task<string> WaitForOutputAsync(string fragment, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (Matching(fragment).FirstOrDefault() is { } line)
                return line;
            if (_process.HasExited)
                throw new InvalidOperationException($"The node exited with code {_process.ExitCode} before logging '{fragment}':\n{this}");
            if (deadline.Elapsed > timeout)
                throw new TimeoutException($"The node did not log '{fragment}' within {timeout.TotalSeconds:0} s:\n{this}");
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>
    /// Waits until this node's DHT lookups (<c>GET /api/dht/peers/{sha256}</c>) find <paramref name="holder"/> (<c>ip:port</c>)
    /// for every file; fails with this node's log after <paramref name="timeout"/>.
    /// </summary>
    public Task WaitUntilFindsAsync(string holder, IEnumerable<string> sha256s, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitUntilFindsAsync([holder], sha256s, timeout, cancellationToken);

    /// <summary>As above, content with any of <paramref name="holders"/> (one node's endpoints of either family).</summary>
    public async Task WaitUntilFindsAsync(IReadOnlyCollection<string> holders, IEnumerable<string> sha256s, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var holder = string.Join(" or ", holders);
        using var http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(20) };
        var deadline = Stopwatch.StartNew();
        foreach (var sha256 in sha256s)
        {
            while (true)
            {
                var lookup = await http.GetFromJsonAsync<JsonElement>(new Uri($"/api/dht/peers/{sha256}", UriKind.Relative), cancellationToken);
                if (lookup.GetProperty("peers").EnumerateArray().Any(p => holders.Contains(p.GetString())))
                    break;
                if (deadline.Elapsed > timeout)
                    throw new TimeoutException($"{BaseUri} never found {holder} for {sha256}:\n{this}");
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    /// <summary><c>kill -9</c>: the node gets no chance to save anything.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Sends SIGTERM (what systemd sends) and waits for the exit; returns how long the stop took, or null past <paramref name="timeout"/>.</summary>
    public async Task<TimeSpan?> TerminateAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        if (_process.HasExited)
            return TimeSpan.Zero;
        await ProcessRunner.RunAsync(Prerequisites.Require("kill"), ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], CancellationToken.None);
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return stopwatch.Elapsed;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public override string ToString() => $"node pid {_process.Id} on {BaseUri} ({DataDirectory}):\n" + string.Join('\n', _output);

    private void Keep(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        while (_output.Count > MaxKeptLines)
            _output.TryDequeue(out _);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        _process.Dispose();
        if (_ownsDirectory && Environment.GetEnvironmentVariable("APTP2P_KEEP_TEST_FILES") != "1")
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort, as for in-process nodes.
            }
        }
    }
}
