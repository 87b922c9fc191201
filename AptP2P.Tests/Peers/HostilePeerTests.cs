using AptP2P.Engine;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Peers;
using AptP2P.Testing.Mirrors;
using AptP2P.Testing.Nodes;
using AptP2P.Tests.Fixtures;
using AptP2P.Tests.Proxy;

namespace AptP2P.Tests.Peers;

/// <summary>
/// A peer that lies is announced in the DHT for the big package; apt, through the node under test, must still get the correct
/// file, nothing wrong may be cached, and the liar must be scored down.
/// </summary>
[Collection(MirrorCollection.Name)]
public sealed class HostilePeerTests(MirrorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(Hostility.WrongBytes)]
    [InlineData(Hostility.ForgedPieceList)]
    [InlineData(Hostility.StallAfterHeaders)]
    [InlineData(Hostility.CloseEarly)]
    public async Task Apt_gets_the_correct_file_nothing_wrong_is_cached_and_the_liar_is_scored_down(Hostility hostility)
    {
        var big = fixture.Repository.BigPackage;
        await using var mirror = new NginxMirror(fixture.Repository.Root);
        await mirror.StartAsync(Ct);
        await using var liar = await HostilePeer.StartAsync("127.0.0.5", fixture.Repository.PathOf(big.PoolPath), hostility);
        await using var swarm = new SwarmNodes();
        var accomplice = await swarm.StartAsync(5);
        var node = await swarm.StartAsync(6);
        using var apt = fixture.CreateClient(new Uri(node.PrefixFor(mirror.HostPort)), ["Acquire::Retries \"3\";"]);
        AptThroughProxyTests.AssertSucceeded(await apt.UpdateAsync(Ct), node);
        await accomplice.Get<IDht>().AnnounceAsync(InfoHash.FromFile(liar.File), liar.EndPoint.Port, Ct);
        await SwarmNodes.WaitUntilFoundAsync(node, liar.EndPoint, [liar.File], TimeSpan.FromSeconds(30), Ct);

        var result = await apt.InstallDownloadOnlyAsync(big.Name);

        AptThroughProxyTests.AssertSucceeded(result, node);
        AptThroughProxyTests.AssertSameFile(fixture.Repository.PathOf(big.PoolPath), apt.ArchivePathOf(big));
        Assert.True(liar.Requests > 0, "the hostile peer was never asked");
        var store = node.Get<ContentStore>();
        foreach (var entry in store.Entries)
            Assert.Equal(entry.Hash.ToString(), AptThroughProxyTests.Sha256Of(store.Directory.PathOf(entry.Hash)));
        var score = node.Get<PeerScoreBoard>().Snapshot().Single(p => p.Peer.Address.Equals(liar.EndPoint.Address));
        if (hostility == Hostility.ForgedPieceList)
            await node.Logs.WaitForAsync("forged piece list", TimeSpan.FromSeconds(10));
        else
            Assert.True(score.Failures > 0, $"not scored down: {score}");
        if (hostility == Hostility.WrongBytes)
        {
            Assert.True(score.BadPieces > 0);
            Assert.NotNull(score.BannedUntil);
        }
    }
}
