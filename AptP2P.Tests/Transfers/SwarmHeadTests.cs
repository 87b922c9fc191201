using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Transfers;
using Microsoft.Extensions.Time.Testing;

namespace AptP2P.Tests.Transfers;

/// <summary>A download in pieces answers apt with its first verified piece, not with its start.</summary>
public sealed class SwarmHeadTests
{
    [Fact]
    public async Task A_swarm_transfer_has_no_head_until_its_first_piece_is_verified()
    {
        using var swarm = new SinglePieceSession(new MirrorUrl("127.0.0.1", 9, "debian/pool/f.deb"), new FakeTimeProvider());

        var before = swarm.Transfer.Head.IsCompleted;
        Assert.True(swarm.Session.Board.TryClaim(0));
        swarm.Session.Complete(0, "127.0.0.5:9977");

        Assert.False(before);
        Assert.True(swarm.Transfer.Head.IsCompletedSuccessfully);
        var head = await swarm.Transfer.Head;
        Assert.Equal(HeadKind.Body, head.Kind);
        Assert.Equal(1000, head.Length);
    }
}
