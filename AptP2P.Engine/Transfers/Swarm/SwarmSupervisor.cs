using System.Net;
using AptP2P.Engine.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>
/// Runs the sources of one file: a request stream per peer as the lookup finds them, and the mirror as one more range source
/// once no peer is working, or once the grace has passed and the peers, at the rate they reached, would need longer than the
/// grace plus <c>AptP2P:Peers:SlowPeerToleranceSeconds</c>. It wakes on the session's signals (a piece done or given back, a
/// source ended, the lookup ended) and at the next time a decision could change, never on a tick.
/// </summary>
internal sealed partial class SwarmSupervisor(
    SwarmSession session,
    SwarmPlan plan,
    PeerSource peers,
    MirrorRangeSource mirror,
    IOptionsMonitor<PeerOptions> options,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>The longest the supervisor sleeps with nothing due (a tolerance set absurdly high must not overflow a timer).</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    private readonly List<Task> _workers = [];
    private int _activePeers;
    private bool _discoveryEnded;

    /// <summary>Runs until every piece is in or every source has failed; returns why it failed, and how the mirror did.</summary>
    public async Task<(string? Failure, MirrorOutcome? Mirror)> RunAsync(CancellationToken cancellationToken)
    {
        var lifetime = plan.Lifetime;
        // Waiters on the session's signal hold no cancellation registration of their own: one wakes them all.
        using var wake = lifetime.Register(session.SourceEnded);
        // The peers found so far start now, before the first decision, so that a lookup already over does not look like idle peers.
        var found = plan.Discovery.Subscribe();
        while (found.TryRead(out var peer))
            StartStreams(peer, lifetime);
        var feeder = Task.Run(() => FeedPeersAsync(found, lifetime), lifetime);

        Task<MirrorOutcome>? mirrorTask = null;
        MirrorOutcome? mirrorOutcome = null;
        string? failure = null;
        var grace = plan.Grace;
        while (!session.AllDone.IsCompleted && !lifetime.IsCancellationRequested)
        {
            // Taken before the state is read, so a change in between still wakes the loop.
            var changed = session.Changed.Next;
            var elapsed = time.GetElapsedTime(session.Started);
            var peersIdle = Volatile.Read(ref _activePeers) == 0 && (Volatile.Read(ref _discoveryEnded) || elapsed >= grace);
            if (mirrorTask is { IsCompleted: true })
            {
                mirrorOutcome = await mirrorTask;
                if (mirrorOutcome.Usable)
                    mirrorTask = null; // it ran out of missing pieces; it may be needed again if a peer gives some back
            }
            var mirrorDead = mirrorOutcome is { Usable: false };
            // Before the grace ends, its end is the next decision whatever else happens (idle peers count as idle from then on).
            TimeSpan? nextDecision = elapsed < grace ? grace - elapsed : null;
            if (mirrorTask is null && !mirrorDead && session.Board.HasMissing)
            {
                if (peersIdle || (elapsed >= grace && PeersTooSlow(elapsed, grace, out _)))
                {
                    LogMirrorJoins(session.Transfer.Url.Key, peersIdle ? "no peer is working" : "the peers would not finish within the grace and the tolerance",
                        session.Board.DoneCount, session.Pieces.Count);
                    mirrorTask = mirror.RunAsync(session, lifetime);
                    continue;
                }
                if (elapsed >= grace && !PeersTooSlow(elapsed, grace, out var slowIn))
                    nextDecision = slowIn;
            }
            else if (peersIdle && mirrorDead)
            {
                failure = mirrorOutcome!.Reason;
                break;
            }

            // A mirror that ended unusable stays ended: only a running one is something to wait for.
            await WaitAsync(changed, mirrorTask is { IsCompleted: false } ? mirrorTask : null, nextDecision, lifetime);
        }

        await plan.StopAsync();
        Task[] running;
        lock (_workers)
            running = [.. _workers];
        await Task.WhenAll([.. running, feeder.ContinueWith(_ => { }, TaskScheduler.Default), mirrorTask ?? Task.CompletedTask]).ConfigureAwait(false);
        mirrorOutcome ??= mirrorTask is { IsCompletedSuccessfully: true } ? mirrorTask.Result : null;
        cancellationToken.ThrowIfCancellationRequested();
        return (failure, mirrorOutcome);
    }

    private async Task FeedPeersAsync(System.Threading.Channels.ChannelReader<IPEndPoint> found, CancellationToken lifetime)
    {
        try
        {
            await foreach (var peer in found.ReadAllAsync(lifetime))
                StartStreams(peer, lifetime);
        }
        finally
        {
            Volatile.Write(ref _discoveryEnded, true);
            session.SourceEnded();
        }
    }

    private void StartStreams(IPEndPoint peer, CancellationToken lifetime)
    {
        if (!peers.IsUsable(peer))
            return;
        for (var i = peers.StreamsPerPeer(session); i > 0; i--)
            Start(peer, lifetime);
    }

    private void Start(IPEndPoint peer, CancellationToken lifetime)
    {
        Interlocked.Increment(ref _activePeers);
        var worker = peers.RunAsync(session, peer, lifetime).ContinueWith(_ =>
        {
            Interlocked.Decrement(ref _activePeers);
            session.SourceEnded();
        }, TaskScheduler.Default);
        lock (_workers)
            _workers.Add(worker);
    }

    /// <summary>Until something changed, the mirror ended, or the next time-based decision is due (cancellation signals the session).</summary>
    private async Task WaitAsync(Task changed, Task? mirrorTask, TimeSpan? nextDecision, CancellationToken cancellationToken)
    {
        Task[] signals = mirrorTask is null ? [session.AllDone, changed] : [session.AllDone, changed, mirrorTask];
        if (nextDecision is not { } due)
        {
            await Task.WhenAny(signals);
        }
        else
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(due, time, timer.Token);
            await Task.WhenAny([.. signals, delay]);
            await timer.CancelAsync();
        }
    }

    /// <summary>
    /// True when the peers, at the rate they reached so far, would need longer for the rest than the grace plus
    /// <c>AptP2P:Peers:SlowPeerToleranceSeconds</c>. Without the tolerance every large file on a real network (a 24 MiB
    /// package from one peer at 40 MB/s, say) would bring the mirror in, and so would a moment of CPU starvation. When not
    /// (yet) too slow, <paramref name="slowIn"/> is how long until they would be if no further piece arrived.
    /// </summary>
    private bool PeersTooSlow(TimeSpan elapsed, TimeSpan grace, out TimeSpan slowIn)
    {
        slowIn = TimeSpan.Zero;
        var seconds = elapsed.TotalSeconds;
        var bytes = (double)session.PeerBytes;
        var rate = seconds > 0 ? bytes / seconds : 0;
        if (rate <= 0)
            return true;
        var remaining = session.Pieces.FileSize - session.Board.DoneCount * (double)session.Pieces.PieceLength;
        var allowed = grace.TotalSeconds + options.CurrentValue.SlowPeerToleranceSeconds;
        if (remaining / rate > allowed)
            return true;
        // The rate falls as time passes without a piece: remaining / (bytes / t) exceeds the allowance once t > allowed * bytes / remaining.
        slowIn = TimeSpan.FromSeconds(Math.Min(MaxWait.TotalSeconds, Math.Max(0, allowed * bytes / Math.Max(remaining, 1) - seconds))) + TimeSpan.FromMilliseconds(1);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Url}: the mirror joins ({Reason}), {Done} of {Count} pieces in")]
    private partial void LogMirrorJoins(string url, string reason, int done, int count);
}
