using System.Net;
using AptP2P.Engine.Dht.Krpc;

namespace AptP2P.Engine.Dht.Lookups;

/// <summary>For lookups run only for their effect on the routing table (bootstrap, bucket refresh).</summary>
public sealed class NullListener : ILookupListener
{
    public static NullListener Instance { get; } = new();

    public void OnPeers(IReadOnlyList<IPEndPoint> peers)
    {
    }

    public void OnItem(KrpcResponse response, NodeContact from)
    {
    }

    public void OnCompleted(LookupResult result)
    {
    }
}
