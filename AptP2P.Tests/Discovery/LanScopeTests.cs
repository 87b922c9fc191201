using System.Net;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Krpc;
using AptP2P.Engine.Discovery;

namespace AptP2P.Tests.Discovery;

/// <summary>LAN addresses live with the LAN: what the DHT hands to and takes from nodes outside it.</summary>
public sealed class LanScopeTests
{
    private static readonly IPEndPoint LanNode = new(IPAddress.Parse("192.168.1.20"), 9977);
    private static readonly IPEndPoint PublicNode = new(IPAddress.Parse("203.0.113.5"), 6881);

    private static KrpcResponse Mixed() => new([1], NodeId.Random())
    {
        Nodes = [new NodeContact(NodeId.Random(), LanNode), new NodeContact(NodeId.Random(), PublicNode)],
        Values = [new IPEndPoint(IPAddress.Parse("10.1.2.3"), 9977), new IPEndPoint(IPAddress.Parse("198.51.100.9"), 9977)],
    };

    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("172.31.255.255", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("192.168.0.1", true)]
    [InlineData("169.254.1.1", true)]
    [InlineData("127.0.0.2", true)]
    [InlineData("fd42::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("2001:db8::1", false)]
    public void Addresses_are_told_apart(string address, bool lan) => Assert.Equal(lan, AddressScope.IsLan(IPAddress.Parse(address)));

    [Fact]
    public void A_public_node_is_never_handed_lan_nodes_or_peers()
    {
        var toPublic = LanScope.ForRecipient(Mixed(), PublicNode);
        Assert.Equal([PublicNode], toPublic.Nodes.Select(n => n.EndPoint));
        Assert.Equal([IPEndPoint.Parse("198.51.100.9:9977")], toPublic.Values);

        var toLan = LanScope.ForRecipient(Mixed(), LanNode);
        Assert.Equal(2, toLan.Nodes.Count);
        Assert.Equal(2, toLan.Values.Count);
    }

    [Fact]
    public void What_a_public_node_says_about_lan_addresses_is_dropped()
    {
        var fromPublic = LanScope.FromSender(Mixed(), PublicNode);
        Assert.DoesNotContain(fromPublic.Nodes, n => AddressScope.IsLan(n.EndPoint));
        Assert.DoesNotContain(fromPublic.Values, AddressScope.IsLan);
        Assert.Equal(2, LanScope.FromSender(Mixed(), LanNode).Values.Count);
    }
}
