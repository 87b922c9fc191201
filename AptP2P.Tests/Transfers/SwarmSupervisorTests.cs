using System.Net;
using System.Runtime.CompilerServices;
using AptP2P.Engine;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Node;
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

public sealed class SwarmSupervisorTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task The_mirror_joins_as_soon_as_the_last_peer_stream_ends_and_its_failure_ends_the_file()
    {
        using var peer = new NotFoundServer();
        using var mirrorServer = new NotFoundServer();
        var url = new MirrorUrl("127.0.0.1", mirrorServer.EndPoint.Port, "/debian/pool/f.deb");
        using var swarm = new SinglePieceSession(url, _time);
        var (transfer, session, hash) = (swarm.Transfer, swarm.Session, swarm.Hash);
        var scores = new PeerScoreBoard(_time);
        var statistics = new TrafficStatistics(_time);
        var bodies = new BodyReader(_time);
        var peerOptions = new FixedOptions<PeerOptions>(new PeerOptions());
        var options = new FixedOptions<AptP2POptions>(new AptP2POptions());
        using var peerClient = new PeerClient(Options.Create(new PeerOptions()));
        using var mirrorClient = new MirrorClient(new MirrorPolicy(options, new NodeEndpoints()), options, NullLogger<MirrorClient>.Instance);
        var peers = new PeerSource(peerClient, scores, statistics, bodies, peerOptions, _time, NullLogger<PeerSource>.Instance);
        var mirror = new MirrorRangeSource(mirrorClient, statistics, bodies, options, NullLogger<MirrorRangeSource>.Instance);
        using var lifetime = new CancellationTokenSource();
        var discovery = PeerDiscovery.Start(new OnePeerDht(peer.EndPoint), hash, new NodeEndpoints(), scores, _time, _ => { }, _ => { }, lifetime.Token);
        await using var plan = new SwarmPlan(transfer, session.Pieces, discovery, TimeSpan.FromMilliseconds(250), lifetime);
        var supervisor = new SwarmSupervisor(session, plan, peers, mirror, peerOptions, _time, NullLogger.Instance);

        // The fake clock never moves: the grace never passes, only the peer stream's end can bring the mirror in.
        var (failure, outcome) = await supervisor.RunAsync(TestContext.Current.CancellationToken).WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.Equal(1, peer.Requests);
        Assert.Equal(1, mirrorServer.Requests);
        Assert.Equal("mirror answered 404 to a range request", failure);
        Assert.Equal(404, outcome?.UpstreamStatus);
    }

    /// <summary>A DHT whose lookup finds one peer and ends.</summary>
    private sealed class OnePeerDht(IPEndPoint peer) : IDht
    {
        public int KnownNodes => 1;

        public async IAsyncEnumerable<IPEndPoint> FindPeersAsync(InfoHash key, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return peer;
        }

        public Task AnnounceAsync(InfoHash key, int port, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task PublishPieceListAsync(ContentHash file, ReadOnlyMemory<byte> bencodedV, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task<byte[]?> FetchPieceListAsync(ContentHash file, CancellationToken cancellationToken) => Task.FromResult<byte[]?>(null);
        public DhtStatistics GetStatistics() => throw new NotSupportedException();
    }
}
