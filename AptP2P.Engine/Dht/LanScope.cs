using System.Net;
using AptP2P.Engine.Dht.Krpc;
using AptP2P.Engine.Discovery;

namespace AptP2P.Engine.Dht;

/// <summary>
/// LAN addresses live with the LAN, public ones with the public DHT: a node outside the LAN scope is never handed our LAN's
/// nodes or peers, and what it says about LAN addresses is not believed (docs/PROTOCOL-LAN.md §5).
/// </summary>
internal static class LanScope
{
    /// <summary>The response as <paramref name="recipient"/> may see it: without LAN contacts and peers when it is outside the LAN.</summary>
    public static KrpcResponse ForRecipient(KrpcResponse response, IPEndPoint recipient) =>
        AddressScope.IsLan(recipient.Address) ? response : WithoutLanAddresses(response);

    /// <summary>The response as we take it from <paramref name="sender"/>: a public node's claims about LAN addresses are dropped.</summary>
    public static KrpcResponse FromSender(KrpcResponse response, IPEndPoint sender) =>
        AddressScope.IsLan(sender.Address) ? response : WithoutLanAddresses(response);

    private static KrpcResponse WithoutLanAddresses(KrpcResponse response)
    {
        var lanNodes = response.Nodes.Any(n => AddressScope.IsLan(n.EndPoint.Address));
        var lanValues = response.Values.Any(v => AddressScope.IsLan(v.Address));
        if (!lanNodes && !lanValues)
            return response;
        return response with
        {
            Nodes = lanNodes ? [.. response.Nodes.Where(n => !AddressScope.IsLan(n.EndPoint.Address))] : response.Nodes,
            Values = lanValues ? [.. response.Values.Where(v => !AddressScope.IsLan(v.Address))] : response.Values,
        };
    }
}
