using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using AptP2P.Engine.Stats;

namespace AptP2P.Web.Cli;

/// <summary>
/// The <c>aptp2p</c> command's own verbs, answered before any host is built: <c>--version</c>, <c>status</c>,
/// <c>enable</c>, <c>disable</c>. Anything else runs the node with the arguments as configuration.
/// Exit codes follow the LSB's for status: 0 ok, 1 failed, 2 bad usage, 3 node not running, 4 insufficient rights.
/// </summary>
public sealed class CommandLine(TextWriter output, TextWriter error)
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int NotRunning = 3;
    public const int NoRights = 4;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The exit code of a verb, or null when the arguments are the node's own (run it).</summary>
    public async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length == 0)
            return null;
        var rest = args[1..];
        return args[0] switch
        {
            "--version" or "version" => Version(),
            "--help" or "-h" or "help" => Help(),
            "status" => await StatusAsync(rest),
            "enable" => Enable(rest),
            "disable" => Disable(rest),
            _ => null,
        };
    }

    public static string VersionText =>
        typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(CommandLine).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    private int Version()
    {
        output.WriteLine($"aptp2p {VersionText}");
        return Ok;
    }

    private int Help()
    {
        output.WriteLine("""
            usage: aptp2p                       run the node (configuration as --AptP2P:Key=value arguments)
                   aptp2p status [--url URL]    the local node's summary (default http://127.0.0.1:9977/)
                   aptp2p enable [--apt-conf-dir DIR]   let apt use the node (writes DIR/30aptp2p)
                   aptp2p disable [--apt-conf-dir DIR]  stop apt using the node (removes DIR/30aptp2p)
                   aptp2p --version
            See aptp2p(8).
            """);
        return Ok;
    }

    private async Task<int> StatusAsync(string[] args)
    {
        if (!TryOption(args, "--url", "http://127.0.0.1:9977/", out var url) || !Uri.TryCreate(url, UriKind.Absolute, out var baseUri))
            return BadUsage("status [--url http://127.0.0.1:9977/]");
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(5) };
        NodeStatistics? stats;
        try
        {
            using var response = await http.GetAsync("api/stats");
            if (response.StatusCode == System.Net.HttpStatusCode.Forbidden)
            {
                error.WriteLine($"aptp2p status: the node at {baseUri} refuses this client (AptP2P:AllowedClients)");
                return NoRights;
            }
            if (!response.IsSuccessStatusCode)
            {
                error.WriteLine($"aptp2p status: the node at {baseUri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                return Failed;
            }
            stats = await response.Content.ReadFromJsonAsync<NodeStatistics>(Json);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            error.WriteLine($"aptp2p status: no node answers at {baseUri} ({ex.Message}); start it with: systemctl start aptp2p");
            return NotRunning;
        }
        catch (JsonException ex)
        {
            error.WriteLine($"aptp2p status: {baseUri} does not answer like an AptP2P node ({ex.Message})");
            return Failed;
        }
        if (stats is null)
            return Failed;
        var today = stats.Today;
        output.WriteLine($"aptp2p {stats.Version} at {baseUri}: running for {stats.Uptime:d\\.hh\\:mm\\:ss}");
        output.WriteLine($"peers:  {stats.Peers.Count} known, {stats.Active.Count} transfers running");
        output.WriteLine($"cache:  {stats.Cache.Files} files, {Bytes(stats.Cache.TotalSize)} of {(stats.Cache.SizeLimit == long.MaxValue ? "unlimited" : Bytes(stats.Cache.SizeLimit))}, hit ratio {stats.Cache.HitRatio:P0}");
        output.WriteLine($"today:  {today.Requests} requests; {Bytes(today.BytesFromMirror)} from mirrors, {Bytes(today.BytesFromPeers)} from peers, {Bytes(today.BytesFromCache)} from the cache, {Bytes(today.BytesUploaded)} uploaded");
        if (stats.Dht is { } dht)
        {
            output.WriteLine($"dht:    {dht.Node.RoutingTableSize} nodes in the routing table");
            foreach (var line in dht.ReachabilityLines)
                output.WriteLine($"        {line}");
        }
        else
        {
            output.WriteLine("dht:    not running (reachable from outside: not known)");
        }
        return Ok;
    }

    private int Enable(string[] args)
    {
        if (!TryOption(args, "--apt-conf-dir", AptConfSnippet.DefaultDirectory, out var directory))
            return BadUsage("enable [--apt-conf-dir /etc/apt/apt.conf.d]");
        var path = Path.Combine(directory, AptConfSnippet.FileName);
        try
        {
            File.WriteAllText(path, AptConfSnippet.Content(AptConfSnippet.HelperPath));
        }
        catch (UnauthorizedAccessException)
        {
            error.WriteLine($"aptp2p enable: may not write {path}: run it as root (sudo aptp2p enable)");
            return NoRights;
        }
        catch (IOException ex)
        {
            error.WriteLine($"aptp2p enable: cannot write {path}: {ex.Message}");
            return Failed;
        }
        output.WriteLine($"apt now asks the local node first (wrote {path}); while the node is down apt goes direct.");
        return Ok;
    }

    private int Disable(string[] args)
    {
        if (!TryOption(args, "--apt-conf-dir", AptConfSnippet.DefaultDirectory, out var directory))
            return BadUsage("disable [--apt-conf-dir /etc/apt/apt.conf.d]");
        var path = Path.Combine(directory, AptConfSnippet.FileName);
        if (!File.Exists(path))
        {
            output.WriteLine($"apt does not use the node ({path} is absent); nothing to do.");
            return Ok;
        }
        try
        {
            File.Delete(path);
        }
        catch (UnauthorizedAccessException)
        {
            error.WriteLine($"aptp2p disable: may not remove {path}: run it as root (sudo aptp2p disable)");
            return NoRights;
        }
        catch (IOException ex)
        {
            error.WriteLine($"aptp2p disable: cannot remove {path}: {ex.Message}");
            return Failed;
        }
        output.WriteLine($"apt no longer uses the node (removed {path}).");
        return Ok;
    }

    /// <summary>Accepts no arguments, or exactly <c>name value</c>.</summary>
    private static bool TryOption(string[] args, string name, string fallback, out string value)
    {
        value = fallback;
        if (args.Length == 0)
            return true;
        if (args.Length == 2 && args[0] == name && args[1].Length > 0)
        {
            value = args[1];
            return true;
        }
        return false;
    }

    private int BadUsage(string usage)
    {
        error.WriteLine($"usage: aptp2p {usage}");
        return Usage;
    }

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0} KiB",
        _ => $"{bytes} B",
    };
}
