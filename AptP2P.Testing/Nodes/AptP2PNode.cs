using AptP2P.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AptP2P.Testing.Nodes;

/// <summary>
/// A real AptP2P node in the test process: the same host the executable builds, on real sockets (127.0.0.1, a free port),
/// with its own data directory, and its log lines collected for assertions.
/// </summary>
public sealed class AptP2PNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsDirectory;

    private AptP2PNode(WebApplication app, string dataDirectory, bool ownsDirectory, LogCollector logs)
    {
        _app = app;
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
        Logs = logs;
    }

    public string DataDirectory { get; }
    public string BindAddress { get; private set; } = "127.0.0.1";
    public LogCollector Logs { get; }
    public IServiceProvider Services => _app.Services;
    public Uri BaseUri { get; private set; } = null!;
    public int Port => BaseUri.Port;

    /// <summary>The sources.list base for a mirror in URL-prefix mode: <c>http://127.0.0.1:PORT/host:port/</c>.</summary>
    public string PrefixFor(string mirrorHostPort) => $"{BaseUri}{mirrorHostPort}/";

    public T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    /// <param name="dataDirectory">Reuse a directory to test restarts; null for a fresh one removed on dispose.</param>
    /// <param name="settings">Extra configuration as <c>key=value</c> (e.g. <c>AptP2P:AllowedMirrors:0=127.0.0.1:8080</c>).</param>
    public static Task<AptP2PNode> StartAsync(string? dataDirectory = null, string bindAddress = "127.0.0.1", int port = 0, params string[] settings) =>
        StartAsync(LogLevel.Debug, dataDirectory, bindAddress, port, settings);

    /// <param name="minimumLevel">Benchmarks log at Warning so that logging does not cost what is measured.</param>
    public static async Task<AptP2PNode> StartAsync(LogLevel minimumLevel, string? dataDirectory, string bindAddress, int port, params string[] settings)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("aptp2p-node-").FullName;
        var logs = new LogCollector();
        string[] args =
        [
            $"--AptP2P:Port={port}",
            $"--AptP2P:BindAddress={bindAddress}",
            $"--AptP2P:DataDirectory={dataDirectory}",
            // Never the public routers: a test node knows only the nodes a test gives it (settings may override this).
            "--AptP2P:Dht:BootstrapNodes=",
            // Nor multicast on the machine's real network: local discovery only where a test turns it on (its own LAN).
            "--AptP2P:Discovery:Lan=false",
            // Nor the machine's real gateway: port mapping only where a test points it at a gateway of its own.
            "--AptP2P:PortMapping:Enabled=false",
            // Not the machine's /var/cache/apt/archives: a test shares only directories it names.
            "--AptP2P:Peers:SharedDirectories:0=",
            // The keys of the archives tests build, not the machine's: an archive signed by another key is unknown here.
            "--" + Repositories.TestKeyrings.Setting,
            .. settings.Select(s => "--" + s),
        ];
        var app = AptP2PHost.Build(args, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(minimumLevel);
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Logging.AddFilter("System", LogLevel.Warning);
            builder.Logging.AddProvider(logs);
        });
        var node = new AptP2PNode(app, dataDirectory, owns, logs) { BindAddress = bindAddress };
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        node.BaseUri = new Uri(address.EndsWith('/') ? address : address + "/");
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsDirectory && Environment.GetEnvironmentVariable("APTP2P_KEEP_TEST_FILES") != "1")
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a file still open by a dying transfer is removed with the temp directory later.
            }
        }
    }
}
