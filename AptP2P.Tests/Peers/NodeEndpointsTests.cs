using System.Net;
using AptP2P.Engine.Node;

namespace AptP2P.Tests.Peers;

public sealed class NodeEndpointsTests
{
    [Fact]
    public void Bound_to_one_address_only_that_address_with_our_port_is_this_node()
    {
        var node = new NodeEndpoints();
        node.RecordHttpPort(9977);
        node.RecordDhtPort(9977);
        node.RecordBindAddress(IPAddress.Parse("127.0.0.3"));

        Assert.True(node.IsThisNode(IPAddress.Parse("127.0.0.3"), 9977));
        Assert.True(node.IsThisNode(IPAddress.Parse("::ffff:127.0.0.3"), 9977));
        Assert.False(node.IsThisNode(IPAddress.Parse("127.0.0.2"), 9977));
        Assert.False(node.IsThisNode(IPAddress.Parse("127.0.0.4"), 9977));
        Assert.False(node.IsThisNode(IPAddress.Parse("127.0.0.3"), 9978));
    }

    [Fact]
    public void Bound_to_every_address_any_loopback_address_with_our_port_is_this_node()
    {
        var node = new NodeEndpoints();
        node.RecordHttpPort(9977);
        node.RecordDhtPort(9977);
        node.RecordBindAddress(IPAddress.Any);

        Assert.True(node.IsThisNode(IPAddress.Parse("127.0.0.4"), 9977));
        Assert.True(node.IsThisNode(IPAddress.IPv6Loopback, 9977));
        Assert.False(node.IsThisNode(IPAddress.Parse("127.0.0.4"), 9978));
        Assert.False(node.IsThisNode(IPAddress.Parse("192.0.2.1"), 9977));
    }
}
