using System.Net;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Node;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Discovery;

/// <summary>What local discovery is doing, for the API and the dashboard.</summary>
public sealed record DiscoveryStatus(
    bool Lan,
    bool PublicDht,
    bool SwarmKey,
    int Port,
    IReadOnlyList<string> Groups,
    IReadOnlyList<string> Interfaces,
    LanDiscoveryCounters Counters,
    IReadOnlyList<LanPeer> Peers,
    long DhtDatagramsBlocked);

/// <summary>Reads what local discovery is doing (the API and the dashboard; a test double in component tests).</summary>
public interface IDiscoveryStatus
{
    DiscoveryStatus Status();
}

/// <summary>
/// Runs <see cref="LanDiscovery"/> on UDP multicast while <c>AptP2P:Discovery:Lan</c> is on, restarting it when the mode, the
/// swarm key or the port changes (settings apply live). Every node heard becomes a DHT contact at once.
/// </summary>
public sealed partial class LanDiscoveryService(
    IOptionsMonitor<DiscoveryOptions> options,
    LanDirectory directory,
    IOptions<AptP2POptions> node,
    DhtService dht,
    NodeEndpoints endpoints,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService, IDiscoveryStatus, IAsyncDisposable
{
    private static readonly LanDiscoveryCounters NoCounters = new(0, 0, 0, 0, 0, 0, 0, 0, 0, null, null);

    private readonly ILogger _logger = loggers.CreateLogger<LanDiscoveryService>();
    private readonly SemaphoreSlim _applying = new(1, 1);
    private LanDiscovery? _running;
    private (bool Lan, string? Key, int Port)? _applied;
    private IDisposable? _changed;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _changed = options.OnChange(o => _ = ApplyAsync(o));
        return ApplyAsync(options.CurrentValue);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _changed?.Dispose();
        // Not bound by the host's token: after a long HTTP drain it is already cancelled, and the sockets must close anyway
        // (stopping is quick: it waits only for a hello being sent).
        await _applying.WaitAsync(CancellationToken.None);
        try
        {
            await StopRunningAsync();
            _applied = null;
        }
        finally
        {
            _applying.Release();
        }
    }

    public DiscoveryStatus Status()
    {
        var current = options.CurrentValue;
        var running = _running;
        return new DiscoveryStatus(
            current.Lan,
            current.PublicDht,
            current.HasSwarmKey,
            current.Port,
            [$"{UdpLanChannel.Group4}:{current.Port}", $"[{UdpLanChannel.Group6}]:{current.Port}"],
            running?.Interfaces ?? [],
            running?.Counters ?? NoCounters,
            directory.Snapshot(),
            dht.BlockedOutgoing);
    }

    private async Task ApplyAsync(DiscoveryOptions settings)
    {
        var wanted = (settings.Lan, settings.SwarmKey, settings.Port);
        await _applying.WaitAsync();
        try
        {
            if (_applied == wanted)
                return;
            await StopRunningAsync();
            // Peers heard under another key (or another mode) are not peers now.
            directory.Clear();
            _applied = wanted;
            if (!settings.Lan)
            {
                LogOff();
                return;
            }
            var bound = IPAddress.TryParse(node.Value.BindAddress, out var address) ? address : null;
            var channel = new UdpLanChannel(settings.Port, bound, loggers.CreateLogger<UdpLanChannel>());
            var discovery = new LanDiscovery(channel, directory, settings, () => dht.Node?.Id ?? default, () => endpoints.HttpPort,
                time, loggers.CreateLogger<LanDiscovery>(), AddContact);
            discovery.Start();
            _running = discovery;
            LogOn(settings.Port, string.Join(", ", channel.Interfaces), settings.HasSwarmKey);
        }
        catch (Exception ex)
        {
            LogApplyFailed(ex);
        }
        finally
        {
            _applying.Release();
        }
    }

    /// <summary>A LAN peer is pinged so that it enters the routing table as soon as it answers.</summary>
    private void AddContact(LanPeer peer)
    {
        if (dht.NodeFor(peer.EndPoint) is { } node)
            _ = node.PingAsync(peer.EndPoint);
    }

    private async Task StopRunningAsync()
    {
        if (Interlocked.Exchange(ref _running, null) is { } running)
            await running.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopRunningAsync();
        _changed?.Dispose();
        _applying.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Local discovery on udp port {Port} over {Interfaces}{KeyNote}")]
    private partial void LogOn(int port, string interfaces, string keyNote);

    private void LogOn(int port, string interfaces, bool keyed) =>
        LogOn(port, interfaces.Length == 0 ? "no interface yet" : interfaces, keyed ? " (closed swarm: a swarm key is set)" : "");

    [LoggerMessage(Level = LogLevel.Information, Message = "Local discovery is off (AptP2P:Discovery:Lan)")]
    private partial void LogOff();

    [LoggerMessage(Level = LogLevel.Error, Message = "Local discovery could not be (re)started")]
    private partial void LogApplyFailed(Exception ex);
}
