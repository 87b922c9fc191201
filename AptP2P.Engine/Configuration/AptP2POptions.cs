using System.ComponentModel.DataAnnotations;

namespace AptP2P.Engine.Configuration;

/// <summary>The <c>AptP2P</c> configuration section. Key names marked "contract" are relied on by scripts and packagers.</summary>
public sealed class AptP2POptions
{
    public const string SectionName = "AptP2P";

    /// <summary>Contract: TCP port for HTTP and UDP port for the DHT. 0 picks a free port (tests).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 9977;

    /// <summary>
    /// Contract: the address HTTP and the DHT listen on. <c>::</c> (the default) is every IPv4 and IPv6 address, <c>0.0.0.0</c>
    /// every IPv4 address, anything else that address alone.
    /// </summary>
    [Required]
    public string BindAddress { get; set; } = "::";

    /// <summary>Contract: cache, partial files, database and settings.json. Empty means the user's cache directory + <c>/aptp2p</c>.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Contract: CIDR networks allowed to use the proxy, dashboard, API, hub and form. Empty means loopback only.</summary>
    public string[] AllowedClients { get; set; } = [];

    /// <summary>Contract: host or host:port patterns (<c>*.debian.org</c> allowed) the proxy may fetch from. Empty means any host.</summary>
    public string[] AllowedMirrors { get; set; } = [];

    /// <summary>
    /// Contract: hosts (patterns as for <see cref="AllowedMirrors"/>; without a port, 443 only) that HTTP-proxy clients may open
    /// an opaque <c>CONNECT</c> tunnel to. Nothing passing through a tunnel is cached or shared. Empty means none.
    /// </summary>
    public string[] AllowedTunnels { get; set; } = [];

    public CacheOptions Cache { get; set; } = new();

    public TrustOptions Trust { get; set; } = new();

    public MirrorOptions Mirror { get; set; } = new();
}

public sealed class CacheOptions
{
    /// <summary>Upper bound of the content store; least recently used files are evicted beyond it. Accepts <c>512M</c>, <c>20G</c>, <c>1T</c> or bytes.</summary>
    [Required]
    public string SizeLimit { get; set; } = "20G";

    /// <summary>
    /// Memory for copies of small, often requested cache files (up to 256 KiB each), served without touching the disk.
    /// Accepts the same sizes as <see cref="SizeLimit"/>; <c>0</c> keeps none.
    /// </summary>
    [Required]
    public string MemorySize { get; set; } = "64M";
}

public sealed class MirrorOptions
{
    /// <summary>Seconds allowed for a TCP connect to a mirror.</summary>
    [Range(1, 300)]
    public int ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>Seconds a mirror may stay silent (waiting for headers or between body bytes) before the transfer fails.</summary>
    [Range(1, 3600)]
    public int StallTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Milliseconds the answer for a file of known size waits for its first source's answer, so that a mirror's 404 reaches apt
    /// as 404 (and an unreachable mirror as 502) instead of 200 and a cut; past it, 200 goes out as if the source had answered.
    /// 0 sends 200 at once.
    /// </summary>
    [Range(0, 10000)]
    public int StatusWaitMilliseconds { get; set; } = 1500;

    /// <summary>Most mirror downloads running at once, over all clients.</summary>
    [Range(1, 1024)]
    public int MaxConcurrentDownloads { get; set; } = 32;

    /// <summary>Redirect hops followed for one request.</summary>
    [Range(0, 20)]
    public int MaxRedirects { get; set; } = 5;
}
