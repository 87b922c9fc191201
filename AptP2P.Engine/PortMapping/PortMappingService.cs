using System.Net;
using AptP2P.Engine.Node;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.PortMapping;

/// <summary>
/// Keeps our TCP (HTTP) and UDP (DHT) ports mapped on the gateway while <c>AptP2P:PortMapping:Enabled</c> is on: PCP (NAT-PMP
/// when the gateway speaks only that) and UPnP IGD are tried at once, the first to map both ports is kept, renewed at half its
/// lease and deleted at stop or when switched off. Everything runs in the background with timeouts: a gateway that is silent
/// or answers garbage costs a status line, never start-up time.
/// </summary>
public sealed partial class PortMappingService(
    IOptionsMonitor<PortMappingOptions> options,
    NodeEndpoints endpoints,
    TimeProvider time,
    ILogger<PortMappingService> logger) : IHostedService, IPortMappingStatus, IAsyncDisposable
{
    /// <summary>How long stopping may take to delete the mappings (the host's stop token may be spent already).</summary>
    public static readonly TimeSpan DeleteBudget = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LastRetry = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan PortPoll = TimeSpan.FromMilliseconds(100);
    private const string DoubleNat = "the gateway's external address is private: double NAT";

    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private HttpClient? _http;
    private Task _loop = Task.CompletedTask;
    private IDisposable? _changed;
    private TaskCompletionSource _wake = NewWake();
    private ActiveMapping? _active;
    private DateTimeOffset? _lastAttempt;
    private string? _lastError;
    private int _disposed;

    /// <summary>A mapping of both ports by one protocol; <see cref="External"/> is null when the gateway's address is not public.</summary>
    private sealed record ActiveMapping(IPortMapper Mapper, GatewayMapping Tcp, GatewayMapping Udp, IPAddress? External, string? AddressNote, DateTimeOffset Expires)
    {
        public TimeSpan Lifetime => Tcp.Lifetime < Udp.Lifetime ? Tcp.Lifetime : Udp.Lifetime;
    }

    public int? ExternalTcpPort
    {
        get
        {
            var active = _active;
            return active is { External: not null } ? active.Tcp.ExternalPort : null;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _changed = options.OnChange(_ => Interlocked.Exchange(ref _wake, NewWake()).TrySetResult());
        // Never awaited here: the gateway is asked in the background so that start-up does not wait for it.
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _changed?.Dispose();
        await _stopping.CancelAsync();
        // Not bound by the host's token (spent after a long HTTP drain): one bounded budget of our own for both steps.
        using var budget = new CancellationTokenSource(DeleteBudget);
        try
        {
            await _loop.WaitAsync(budget.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await RemoveAsync(budget.Token);
    }

    public PortMappingStatus Status()
    {
        var active = _active;
        lock (_lock)
        {
            return new PortMappingStatus(
                options.CurrentValue.Enabled,
                active?.Mapper.Name,
                active?.Mapper.Gateway.ToString(),
                active?.External?.ToString(),
                active?.Tcp.ExternalPort,
                active?.Udp.ExternalPort,
                active?.Expires,
                _lastAttempt,
                _lastError);
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (endpoints.HttpPort == 0 || endpoints.DhtPort == 0)
                await Task.Delay(PortPoll, time, stop);
            var failures = 0;
            while (true)
            {
                var wake = _wake.Task;
                var settings = options.CurrentValue;
                TimeSpan wait;
                if (!settings.Enabled)
                {
                    failures = 0;
                    if (_active is not null)
                    {
                        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop);
                        bounded.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
                        await RemoveAsync(bounded.Token);
                        LogSwitchedOff();
                    }
                    wait = Timeout.InfiniteTimeSpan;
                }
                else if (_active is not { } active)
                {
                    var mapped = await MapAsync(settings, stop);
                    failures = mapped ? 0 : failures + 1;
                    wait = mapped ? _active!.Lifetime / 2 : Backoff(failures);
                }
                else if (time.GetUtcNow() >= active.Expires - active.Lifetime / 2)
                {
                    wait = await RenewAsync(active, settings, stop) ? _active!.Lifetime / 2 : TimeSpan.Zero;
                }
                else
                {
                    wait = active.Expires - active.Lifetime / 2 - time.GetUtcNow();
                }
                await WaitAsync(wake, wait, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogFailed(ex);
            SetError("port mapping stopped: " + ex.Message);
        }
    }

    /// <summary>Both protocols at once for both ports; the first to map both wins, what the other made is deleted.</summary>
    private async Task<bool> MapAsync(PortMappingOptions settings, CancellationToken stop)
    {
        var timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds);
        lock (_lock)
            _lastAttempt = time.GetUtcNow();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop);
        attempt.CancelAfter(timeout);
        var lease = TimeSpan.FromSeconds(settings.LeaseSeconds);
        // One exchange ends a little before the whole attempt, so that a silent or garbled gateway is reported as such.
        var exchange = timeout * 0.9;
        var race = new Race();
        var pending = new List<Task<(ActiveMapping? Mapping, string? Error)>>
        {
            AttemptAsync("PCP", () => GatewayProtocolAsync(settings, exchange, lease, race, attempt.Token), attempt.Token, stop),
            AttemptAsync("UPnP", () => UpnpAsync(settings, exchange, lease, race, attempt.Token), attempt.Token, stop),
        };
        ActiveMapping? winner = null;
        var errors = new List<string>();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            var (mapping, error) = await done;
            if (mapping is null)
            {
                errors.Add(error!);
            }
            else if (winner is null)
            {
                winner = mapping;
                race.Winner = mapping;
                await attempt.CancelAsync();
            }
            else
            {
                using var budget = new CancellationTokenSource(DeleteBudget);
                await Task.WhenAll(DeleteLoserAsync(mapping.Mapper, mapping.Tcp, race, budget.Token), DeleteLoserAsync(mapping.Mapper, mapping.Udp, race, budget.Token));
            }
        }
        if (winner is not null)
            winner = await RestoreAsync(winner, race, lease, timeout, stop);
        if (winner is null)
        {
            stop.ThrowIfCancellationRequested();
            var reason = string.Join("; ", errors);
            SetError(reason);
            LogNoMapping(reason);
            return false;
        }
        // Kept even when stopping: StopAsync deletes what is held once the loop has ended.
        _active = winner;
        stop.ThrowIfCancellationRequested();
        SetError(winner.AddressNote);
        LogMapped(winner.Mapper.Name, winner.Mapper.Gateway, winner.Tcp.InternalPort, winner.Tcp.ExternalPort, winner.Udp.InternalPort,
            winner.Udp.ExternalPort, winner.External?.ToString() ?? "not used", winner.Lifetime.TotalSeconds);
        return true;
    }

    /// <summary>Runs one protocol's attempt; a timeout or an unexpected exception becomes its failure reason.</summary>
    private async Task<(ActiveMapping?, string?)> AttemptAsync(string name, Func<Task<(ActiveMapping?, string?)>> run, CancellationToken attempt,
        CancellationToken stop)
    {
        try
        {
            return await run();
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested && !stop.IsCancellationRequested)
        {
            return (null, $"{name}: not done within the attempt's timeout");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAttemptFailed(ex);
            return (null, ex.Message);
        }
    }

    /// <summary>
    /// What the two attempts of one race share. PCP, NAT-PMP and UPnP write one table in the gateway, so a loser's delete of
    /// the port the winner holds would delete the winner's mapping: such deletes are skipped, or repaired after the race.
    /// </summary>
    private sealed class Race
    {
        public volatile ActiveMapping? Winner;
        public readonly System.Collections.Concurrent.ConcurrentQueue<GatewayMapping> Deleted = new();
    }

    private static bool Holds(ActiveMapping winner, GatewayMapping mapping) =>
        (winner.Tcp.Protocol == mapping.Protocol && winner.Tcp.ExternalPort == mapping.ExternalPort)
        || (winner.Udp.Protocol == mapping.Protocol && winner.Udp.ExternalPort == mapping.ExternalPort);

    private static async Task DeleteLoserAsync(IPortMapper mapper, GatewayMapping mapping, Race race, CancellationToken cancellationToken)
    {
        if (race.Winner is { } winner && Holds(winner, mapping))
            return;
        race.Deleted.Enqueue(mapping);
        await DeleteQuietlyAsync(mapper, mapping, cancellationToken);
    }

    /// <summary>Maps again, by the winner, a port a loser deleted before the winner was known.</summary>
    private async Task<ActiveMapping> RestoreAsync(ActiveMapping winner, Race race, TimeSpan lease, TimeSpan timeout, CancellationToken stop)
    {
        if (!race.Deleted.Any(d => Holds(winner, d)))
            return winner;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop);
        bounded.CancelAfter(timeout);
        try
        {
            var tcp = await winner.Mapper.MapAsync(MappingProtocol.Tcp, winner.Tcp.InternalPort, winner.Tcp.ExternalPort, lease, bounded.Token);
            var udp = await winner.Mapper.MapAsync(MappingProtocol.Udp, winner.Udp.InternalPort, winner.Udp.ExternalPort, lease, bounded.Token);
            if (tcp.Mapping is { } t && udp.Mapping is { } u)
                return winner with { Tcp = t, Udp = u, Expires = time.GetUtcNow() + Shorter(t, u) };
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
        }
        return winner;
    }

    private async Task<(ActiveMapping?, string?)> GatewayProtocolAsync(PortMappingOptions settings, TimeSpan timeout, TimeSpan lease, Race race,
        CancellationToken cancellationToken)
    {
        IPAddress? address = null;
        if (!string.IsNullOrWhiteSpace(settings.Gateway) && !IPAddress.TryParse(settings.Gateway, out address))
            return (null, $"PCP: AptP2P:PortMapping:Gateway {settings.Gateway} is not an IPv4 address");
        address ??= GatewayAddresses.DefaultGateway();
        if (address is null)
            return (null, "PCP: no default gateway");
        var gateway = new IPEndPoint(address, settings.GatewayPort);
        IPortMapper mapper = new PcpClient(gateway, timeout);
        var tcp = await mapper.MapAsync(MappingProtocol.Tcp, endpoints.HttpPort, endpoints.HttpPort, lease, cancellationToken);
        if (tcp.UnsupportedVersion)
        {
            LogFallback(gateway);
            mapper = new NatPmpClient(gateway, timeout);
            tcp = await mapper.MapAsync(MappingProtocol.Tcp, endpoints.HttpPort, endpoints.HttpPort, lease, cancellationToken);
        }
        return await CompleteAsync(mapper, tcp, lease, race, cancellationToken);
    }

    private async Task<(ActiveMapping?, string?)> UpnpAsync(PortMappingOptions settings, TimeSpan timeout, TimeSpan lease, Race race,
        CancellationToken cancellationToken)
    {
        if (!IPEndPoint.TryParse(settings.SsdpEndPoint, out var ssdp) || ssdp.Port == 0)
            return (null, $"UPnP: AptP2P:PortMapping:SsdpEndPoint {settings.SsdpEndPoint} is not address:port");
        _http ??= new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, ConnectTimeout = timeout })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var (client, error) = await UpnpIgdClient.DiscoverAsync(ssdp, _http, timeout, cancellationToken);
        if (client is null)
            return (null, error);
        var tcp = await client.MapAsync(MappingProtocol.Tcp, endpoints.HttpPort, endpoints.HttpPort, lease, cancellationToken);
        return await CompleteAsync(client, tcp, lease, race, cancellationToken);
    }

    /// <summary>With TCP mapped: UDP, then the external address; a failure deletes what was made.</summary>
    private async Task<(ActiveMapping?, string?)> CompleteAsync(IPortMapper mapper, MappingResult tcp, TimeSpan lease, Race race,
        CancellationToken cancellationToken)
    {
        if (tcp.Mapping is not { } tcpMapping)
            return (null, Named(mapper, tcp.Error!));
        var complete = false;
        try
        {
            var udp = await mapper.MapAsync(MappingProtocol.Udp, endpoints.DhtPort, endpoints.DhtPort, lease, cancellationToken);
            if (udp.Mapping is not { } udpMapping)
                return (null, Named(mapper, udp.Error!));
            var address = await mapper.GetExternalAddressAsync(cancellationToken);
            var (external, note) = UsableAddress(mapper, address);
            var mapping = new ActiveMapping(mapper, tcpMapping, udpMapping, external, note, time.GetUtcNow() + Shorter(tcpMapping, udpMapping));
            complete = true;
            return (mapping, null);
        }
        finally
        {
            if (!complete)
            {
                using var budget = new CancellationTokenSource(DeleteBudget);
                await DeleteLoserAsync(mapper, tcpMapping, race, budget.Token);
            }
        }
    }

    /// <summary>The external address when it is ours to use; else null and why (not known, or private: double NAT).</summary>
    private (IPAddress? Address, string? Note) UsableAddress(IPortMapper mapper, AddressResult address)
    {
        if (address.Address is not { } external)
            return (null, $"{mapper.Name}: the external address is not known ({address.Error})");
        if (!GatewayAddresses.IsPublic(external))
        {
            LogDoubleNat(mapper.Name, external);
            return (null, $"{DoubleNat} ({mapper.Name} reports {external})");
        }
        return (external, null);
    }

    private static string Named(IPortMapper mapper, string error) =>
        error.StartsWith(mapper.Name, StringComparison.Ordinal) ? error : $"{mapper.Name}: {error}";

    private static TimeSpan Shorter(GatewayMapping a, GatewayMapping b) => a.Lifetime < b.Lifetime ? a.Lifetime : b.Lifetime;

    /// <summary>The same requests again with the ports granted; a failed renewal drops the mapping for a fresh attempt.</summary>
    private async Task<bool> RenewAsync(ActiveMapping active, PortMappingOptions settings, CancellationToken stop)
    {
        lock (_lock)
            _lastAttempt = time.GetUtcNow();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop);
        attempt.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
        var lease = TimeSpan.FromSeconds(settings.LeaseSeconds);
        var mapper = active.Mapper;
        try
        {
            var tcp = await mapper.MapAsync(MappingProtocol.Tcp, active.Tcp.InternalPort, active.Tcp.ExternalPort, lease, attempt.Token);
            var udp = tcp.Mapping is null ? tcp
                : await mapper.MapAsync(MappingProtocol.Udp, active.Udp.InternalPort, active.Udp.ExternalPort, lease, attempt.Token);
            if (tcp.Mapping is { } t && udp.Mapping is { } u)
            {
                var address = await mapper.GetExternalAddressAsync(attempt.Token);
                var (external, note) = UsableAddress(mapper, address);
                _active = new ActiveMapping(mapper, t, u, external, note, time.GetUtcNow() + Shorter(t, u));
                SetError(note);
                LogRenewed(mapper.Name, t.ExternalPort, u.ExternalPort, Shorter(t, u).TotalSeconds);
                return true;
            }
            SetError("renewal failed: " + (tcp.Error ?? udp.Error));
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            SetError("renewal timed out");
        }
        LogRenewFailed(mapper.Name, _lastError!);
        _active = null;
        return false;
    }

    /// <summary>Deletes the mapping held, if any, within <paramref name="cancellationToken"/>.</summary>
    private async Task RemoveAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _active, null) is { } active)
        {
            await DeleteBothAsync(active, cancellationToken);
            LogDeleted(active.Mapper.Name, active.Tcp.ExternalPort, active.Udp.ExternalPort);
        }
    }

    private static Task DeleteBothAsync(ActiveMapping mapping, CancellationToken cancellationToken) =>
        Task.WhenAll(DeleteQuietlyAsync(mapping.Mapper, mapping.Tcp, cancellationToken), DeleteQuietlyAsync(mapping.Mapper, mapping.Udp, cancellationToken));

    /// <summary>A delete is best effort: the lease ends on its own if the gateway does not hear it.</summary>
    private static async Task DeleteQuietlyAsync(IPortMapper mapper, GatewayMapping mapping, CancellationToken cancellationToken)
    {
        try
        {
            await mapper.DeleteAsync(mapping, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WaitAsync(Task wake, TimeSpan wait, CancellationToken stop)
    {
        if (wait <= TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
            return;
        using var sleeping = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var delay = wait == Timeout.InfiniteTimeSpan ? Task.Delay(Timeout.Infinite, sleeping.Token) : Task.Delay(wait, time, sleeping.Token);
        await Task.WhenAny(wake, delay);
        await sleeping.CancelAsync();
        stop.ThrowIfCancellationRequested();
    }

    private static TimeSpan Backoff(int failures)
    {
        var delay = FirstRetry * Math.Pow(2, Math.Min(failures - 1, 10));
        return delay < LastRetry ? delay : LastRetry;
    }

    private void SetError(string? error)
    {
        lock (_lock)
            _lastError = error;
    }

    private static TaskCompletionSource NewWake() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        // The container disposes the one instance once for each registration that hands it out.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _changed?.Dispose();
        await _stopping.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        _http?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Port mapping by {Protocol} on {Gateway}: tcp {TcpPort} → {TcpExternal}, udp {UdpPort} → {UdpExternal}, external address {External}, lease {Lease} s")]
    private partial void LogMapped(string protocol, IPAddress gateway, int tcpPort, int tcpExternal, int udpPort, int udpExternal, string external, double lease);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Port mapping renewed by {Protocol}: tcp {TcpExternal}, udp {UdpExternal}, lease {Lease} s")]
    private partial void LogRenewed(string protocol, int tcpExternal, int udpExternal, double lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Port mapping by {Protocol} could not be renewed: {Reason}")]
    private partial void LogRenewFailed(string protocol, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "No port mapping: {Reason}")]
    private partial void LogNoMapping(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Protocol} reports the external address {External}, which is not public (double NAT): not used")]
    private partial void LogDoubleNat(string protocol, IPAddress external);

    [LoggerMessage(Level = LogLevel.Debug, Message = "PCP is not spoken by {Gateway}: NAT-PMP instead")]
    private partial void LogFallback(IPEndPoint gateway);

    [LoggerMessage(Level = LogLevel.Information, Message = "Port mapping by {Protocol} deleted (tcp {TcpExternal}, udp {UdpExternal})")]
    private partial void LogDeleted(string protocol, int tcpExternal, int udpExternal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Port mapping is off (AptP2P:PortMapping:Enabled)")]
    private partial void LogSwitchedOff();

    [LoggerMessage(Level = LogLevel.Warning, Message = "A port mapping attempt failed unexpectedly")]
    private partial void LogAttemptFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Port mapping stopped")]
    private partial void LogFailed(Exception ex);
}
