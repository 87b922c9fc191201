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

public sealed class PeerSourceTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly string _directory = Directory.CreateTempSubdirectory("aptp2p-peersource-").FullName;
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task A_peer_stream_with_nothing_to_claim_asks_its_peer_as_soon_as_a_piece_is_given_back()
    {
        using var peer = new NotFoundServer();
        var content = new byte[1000];
        var hash = ContentHash.Compute(content);
        var partial = Path.Combine(_directory, "partial");
        File.WriteAllBytes(partial, content);
        var transfer = new Transfer("key", new MirrorUrl("h.example", 80, "x"), hash, content.Length, partial, _time.GetUtcNow());
        using var file = File.OpenHandle(partial, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        using var session = new SwarmSession(transfer, PieceList.SinglePiece(hash, content.Length), file, _time);
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

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
