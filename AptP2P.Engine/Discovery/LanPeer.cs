using System.Net;
using AptP2P.Engine.Dht;

namespace AptP2P.Engine.Discovery;

/// <summary>A node heard on the local network: its DHT id, the endpoint of its HTTP and DHT port, and when it was heard.</summary>
public sealed record LanPeer(NodeId Id, IPEndPoint EndPoint, DateTimeOffset FirstHeard, DateTimeOffset LastHeard);
