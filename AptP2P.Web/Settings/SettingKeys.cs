using System.Text.Json;
using System.Text.Json.Nodes;

namespace AptP2P.Web.Settings;

/// <summary>
/// One user-facing option: its configuration key, how to read it from a <see cref="SettingsDocument"/>, and whether it needs a
/// restart. A write-only option (a secret) reads as null from the settings in effect: it changes when a value is given.
/// </summary>
public sealed record SettingKey(string Key, Func<SettingsDocument, object?> Read, bool RestartRequired = false, bool WriteOnly = false)
{
    /// <summary>The value as it is written to settings.json.</summary>
    public JsonNode? ValueIn(SettingsDocument document) => JsonSerializer.SerializeToNode(Read(document));
}

/// <summary>Every option the settings form and <c>PUT /api/settings</c> can change.</summary>
public static class SettingKeys
{
    public const string Port = "AptP2P:Port";
    public const string BindAddress = "AptP2P:BindAddress";
    public const string DataDirectory = "AptP2P:DataDirectory";
    public const string AllowedClients = "AptP2P:AllowedClients";
    public const string AllowedMirrors = "AptP2P:AllowedMirrors";
    public const string CacheSizeLimit = "AptP2P:Cache:SizeLimit";
    public const string CacheMemorySize = "AptP2P:Cache:MemorySize";
    public const string MirrorConnectTimeout = "AptP2P:Mirror:ConnectTimeoutSeconds";
    public const string MirrorStallTimeout = "AptP2P:Mirror:StallTimeoutSeconds";
    public const string MirrorConcurrentDownloads = "AptP2P:Mirror:MaxConcurrentDownloads";
    public const string MirrorMaxRedirects = "AptP2P:Mirror:MaxRedirects";
    public const string UploadSlots = "AptP2P:Peers:UploadSlots";
    public const string UploadRateLimit = "AptP2P:Peers:UploadRateLimit";
    public const string MaxDownloadsPerPeer = "AptP2P:Peers:MaxDownloadsPerPeer";
    public const string MaxConcurrentPieceRequests = "AptP2P:Peers:MaxConcurrentPieceRequests";
    public const string SlowPeerTolerance = "AptP2P:Peers:SlowPeerToleranceSeconds";
    public const string Announce = "AptP2P:Peers:Announce";
    public const string SharedDirectories = "AptP2P:Peers:SharedDirectories";
    public const string BootstrapNodes = "AptP2P:Dht:BootstrapNodes";
    public const string DhtAlpha = "AptP2P:Dht:Alpha";
    public const string DhtQueryTimeout = "AptP2P:Dht:QueryTimeoutMs";
    public const string DhtMinSlowQuery = "AptP2P:Dht:MinSlowQueryMs";
    public const string DiscoveryLan = "AptP2P:Discovery:Lan";
    public const string DiscoveryPublicDht = "AptP2P:Discovery:PublicDht";
    public const string DiscoveryPort = "AptP2P:Discovery:Port";
    public const string SwarmKey = "AptP2P:Discovery:SwarmKey";
    public const string PortMapping = "AptP2P:PortMapping:Enabled";

    /// <summary>
    /// In the order the form shows them. Sockets, the data directory and what the mirror client and the transfer slots are
    /// built with are read once at start; everything else is read when it is used, so it applies at once.
    /// </summary>
    public static IReadOnlyList<SettingKey> All { get; } =
    [
        new(Port, d => d.Port, RestartRequired: true),
        new(BindAddress, d => d.BindAddress, RestartRequired: true),
        new(DataDirectory, d => d.DataDirectory, RestartRequired: true),
        new(AllowedClients, d => d.AllowedClients),
        new(AllowedMirrors, d => d.AllowedMirrors),
        new(CacheSizeLimit, d => d.Cache.SizeLimit),
        new(CacheMemorySize, d => d.Cache.MemorySize),
        new(MirrorConnectTimeout, d => d.Mirror.ConnectTimeoutSeconds, RestartRequired: true),
        new(MirrorStallTimeout, d => d.Mirror.StallTimeoutSeconds),
        new(MirrorConcurrentDownloads, d => d.Mirror.MaxConcurrentDownloads, RestartRequired: true),
        new(MirrorMaxRedirects, d => d.Mirror.MaxRedirects),
        new(UploadSlots, d => d.Peers.UploadSlots),
        new(UploadRateLimit, d => d.Peers.UploadRateLimit),
        new(MaxDownloadsPerPeer, d => d.Peers.MaxDownloadsPerPeer),
        new(MaxConcurrentPieceRequests, d => d.Peers.MaxConcurrentPieceRequests),
        new(SlowPeerTolerance, d => d.Peers.SlowPeerToleranceSeconds),
        new(Announce, d => d.Peers.Announce),
        new(SharedDirectories, d => d.Peers.SharedDirectories),
        new(BootstrapNodes, d => d.Dht.BootstrapNodes),
        new(DhtAlpha, d => d.Dht.Alpha),
        new(DhtQueryTimeout, d => d.Dht.QueryTimeoutMs),
        new(DhtMinSlowQuery, d => d.Dht.MinSlowQueryMs),
        new(DiscoveryLan, d => d.Discovery.Lan),
        new(DiscoveryPublicDht, d => d.Discovery.PublicDht),
        new(DiscoveryPort, d => d.Discovery.Port),
        new(SwarmKey, d => d.Discovery.SwarmKey, WriteOnly: true),
        new(PortMapping, d => d.PortMapping.Enabled),
    ];

    public static bool NeedsRestart(string key) => All.Any(k => k.Key == key && k.RestartRequired);

    /// <summary>The keys whose values differ between two documents; a write-only key differs when <paramref name="after"/> gives it.</summary>
    public static IReadOnlyList<string> Changed(SettingsDocument before, SettingsDocument after) =>
        [.. All.Where(k => k.WriteOnly ? k.Read(after) is not null : !JsonNode.DeepEquals(k.ValueIn(before), k.ValueIn(after))).Select(k => k.Key)];
}
