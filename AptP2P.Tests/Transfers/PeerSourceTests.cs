using AptP2P.Engine;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Peers;
using AptP2P.Engine.Pieces;
using AptP2P.Engine.Stats;
using AptP2P.Engine.Transfers;
using AptP2P.Engine.Transfers.Bodies;
using AptP2P.Engine.Transfers.Swarm;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AptP2P.Tests.Transfers;

public sealed class PeerSourceTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task A_peer_stream_with_nothing_to_claim_asks_its_peer_as_soon_as_a_piece_is_given_back()
    {
        using var peer = new NotFoundServer();
        using var swarm = new SinglePieceSession(new MirrorUrl("h.example", 80, "x"), _time);
        var session = swarm.Session;
        // Two other sources hold the only piece (one of them as an endgame duplicate): nothing is left to claim.
        Assert.NotNull(session.Board.Claim(endgame: true));
        Assert.NotNull(session.Board.Claim(endgame: true));
        using var client = new PeerClient(Options.Create(new PeerOptions()));
        var source = new PeerSource(client, new PeerScoreBoard(_time), new TrafficStatistics(_time), new BodyReader(_time),
            new FixedOptions<PeerOptions>(new PeerOptions()), _time, NullLogger<PeerSource>.Instance);

        var run = source.RunAsync(session, peer.EndPoint, TestContext.Current.CancellationToken);
        Assert.False(run.IsCompleted);
        Assert.Equal(0, peer.Requests);

        // The fake clock never moves: only the session's signal can wake the stream.
        session.Release(0);
        await run.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.Equal(1, peer.Requests);
        Assert.True(session.IsDropped(peer.EndPoint), "a peer that does not hold the file is dropped for it");
    }
}
