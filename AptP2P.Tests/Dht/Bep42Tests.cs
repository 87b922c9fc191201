using System.Net;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Routing;

namespace AptP2P.Tests.Dht;

/// <summary>BEP 42's examples: the first 21 bits of the id follow from the address and the random byte r.</summary>
public sealed class Bep42Tests
{
    [Theory]
    [InlineData("124.31.75.21", 1, "5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401")]
    [InlineData("21.75.31.124", 86, "5a3ce9c14e7a08645677bbd1cfe7d8f956d53256")]
    [InlineData("65.23.51.170", 22, "a5d43220bc8f112a3d426c84764f8c2a1150e616")]
    [InlineData("84.124.73.14", 65, "1b0321dd1bb1fe518101ceef99462b947a01ff41")]
    [InlineData("43.213.53.83", 90, "e56f6cbf5b7c4be0237986d5243b87aa6d51305a")]
    public void The_examples_of_the_BEP_are_valid(string address, int r, string id)
    {
        var nodeId = NodeId.Parse(id);
        Assert.Equal(r, Convert.FromHexString(id)[19]);
        Assert.True(SecureNodeId.IsValid(nodeId, IPAddress.Parse(address)));
        Assert.False(SecureNodeId.IsValid(nodeId, IPAddress.Parse("1.2.3.4")));
    }

    [Fact]
    public void Generated_ids_are_valid_for_their_address_only()
    {
        var random = new Random(3);
        var address = IPAddress.Parse("203.0.113.9");
        for (var i = 0; i < 100; i++)
        {
            var id = SecureNodeId.Generate(address, random);
            Assert.True(SecureNodeId.IsValid(id, address));
            Assert.False(SecureNodeId.IsValid(id, IPAddress.Parse("198.51.100.1")));
        }
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("192.168.0.1", true)]
    [InlineData("172.20.0.1", true)]
    [InlineData("8.8.8.8", false)]
    public void Local_addresses_are_exempt(string address, bool exempt) =>
        Assert.Equal(exempt, SecureNodeId.IsExempt(IPAddress.Parse(address)));
}
