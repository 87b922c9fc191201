using AptP2P.Engine.Pieces;

namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>
/// A swarm found within the grace: the piece list, the lookup still running (more peers may come) and the grace the mirror
/// waits before it may join. Disposing it stops the lookup.
/// </summary>
public sealed class SwarmPlan : IAsyncDisposable
{
    private readonly CancellationTokenSource _lifetime;

    internal SwarmPlan(Transfer transfer, PieceList pieces, PeerDiscovery discovery, TimeSpan grace, CancellationTokenSource lifetime)
    {
        Transfer = transfer;
        Pieces = pieces;
        Discovery = discovery;
        Grace = grace;
        _lifetime = lifetime;
    }

    public Transfer Transfer { get; }
    internal PieceList Pieces { get; }
    internal PeerDiscovery Discovery { get; }
    public TimeSpan Grace { get; }

    /// <summary>Cancelled when the plan is done with: the lookup and every source of the file stop.</summary>
    internal CancellationToken Lifetime => _lifetime.Token;

    internal Task StopAsync() => _lifetime.CancelAsync();

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync();
        _lifetime.Dispose();
    }
}
