using System.Text.Json;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Discovery;
using AptP2P.Engine.PortMapping;

namespace AptP2P.Web.Settings;

/// <summary>
/// The options a user may change from the settings form or <c>PUT /api/settings</c>, shaped like the <c>AptP2P</c> configuration
/// section (so <c>cache.sizeLimit</c> is <c>AptP2P:Cache:SizeLimit</c>). Mutable: the form binds to a copy.
/// </summary>
public sealed class SettingsDocument
{
    public int Port { get; set; }
    public string BindAddress { get; set; } = "";
    /// <summary>Empty: the user's cache directory + <c>/aptp2p</c>.</summary>
    public string? DataDirectory { get; set; }
    public string[] AllowedClients { get; set; } = [];
    public string[] AllowedMirrors { get; set; } = [];
    public CacheOptions Cache { get; set; } = new();
    public MirrorOptions Mirror { get; set; } = new();
    public PeerOptions Peers { get; set; } = new();
    public DhtSettings Dht { get; set; } = new();
    public DiscoverySettings Discovery { get; set; } = new();
    public PortMappingSettings PortMapping { get; set; } = new();

    public static SettingsDocument From(AptP2POptions node, PeerOptions peers, DhtOptions dht, DiscoveryOptions discovery, PortMappingOptions portMapping) => new SettingsDocument
    {
        Port = node.Port,
        BindAddress = node.BindAddress,
        DataDirectory = node.DataDirectory,
        AllowedClients = [.. node.AllowedClients],
        AllowedMirrors = [.. node.AllowedMirrors],
        Cache = Clone(node.Cache),
        Mirror = Clone(node.Mirror),
        Peers = Clone(peers),
        Dht = new DhtSettings
        {
            BootstrapNodes = [.. dht.BootstrapNodes],
            Alpha = dht.Alpha,
            QueryTimeoutMs = dht.QueryTimeoutMs,
            MinSlowQueryMs = dht.MinSlowQueryMs,
        },
        Discovery = new DiscoverySettings
        {
            Lan = discovery.Lan,
            PublicDht = discovery.PublicDht,
            Port = discovery.Port,
            SwarmKeySet = discovery.HasSwarmKey,
        },
        PortMapping = new PortMappingSettings { Enabled = portMapping.Enabled },
    }.Normalized();

    public SettingsDocument Copy() => Clone(this);

    /// <summary>Trimmed text, no empty list entries (a list may be typed one entry per line or comma-separated), empty data directory as null.</summary>
    public SettingsDocument Normalized()
    {
        var copy = Copy();
        copy.BindAddress = copy.BindAddress.Trim();
        copy.DataDirectory = string.IsNullOrWhiteSpace(copy.DataDirectory) ? null : copy.DataDirectory.Trim();
        copy.AllowedClients = ConfigurationList.Split(copy.AllowedClients);
        copy.AllowedMirrors = ConfigurationList.Split(copy.AllowedMirrors);
        copy.Cache.SizeLimit = copy.Cache.SizeLimit?.Trim() ?? "";
        copy.Cache.MemorySize = copy.Cache.MemorySize?.Trim() ?? "";
        copy.Peers.UploadRateLimit = copy.Peers.UploadRateLimit?.Trim() ?? "";
        copy.Peers.SharedDirectories = [.. copy.Peers.SharedDirectories.Select(d => d.Trim()).Where(d => d.Length > 0)];
        copy.Dht.BootstrapNodes = ConfigurationList.Split(copy.Dht.BootstrapNodes);
        return copy;
    }

    private static T Clone<T>(T value) => JsonSerializer.Deserialize<T>(JsonSerializer.SerializeToUtf8Bytes(value))!;
}

/// <summary>The user-facing part of <c>AptP2P:Dht</c>: where to bootstrap, how many queries a lookup keeps in flight, and its timeouts.</summary>
public sealed class DhtSettings
{
    /// <summary><c>host:port</c> entries; empty: only the saved routing table.</summary>
    public string[] BootstrapNodes { get; set; } = [];
    public int Alpha { get; set; }
    public int QueryTimeoutMs { get; set; }
    public int MinSlowQueryMs { get; set; }
}

/// <summary>
/// The user-facing part of <c>AptP2P:Discovery</c>. The swarm key is write-only: it is never read back (not by the API, not
/// into the form), only whether one is set.
/// </summary>
public sealed class DiscoverySettings
{
    public bool Lan { get; set; }
    public bool PublicDht { get; set; }
    public int Port { get; set; }

    /// <summary>Always null when read. When written: null keeps the key in effect, empty removes it, any other text replaces it.</summary>
    public string? SwarmKey { get; set; }

    /// <summary>Whether a swarm key is in effect (read-only: ignored when written).</summary>
    public bool SwarmKeySet { get; set; }
}

/// <summary>The user-facing part of <c>AptP2P:PortMapping</c>: whether the node asks the router to open its port.</summary>
public sealed class PortMappingSettings
{
    public bool Enabled { get; set; }
}
