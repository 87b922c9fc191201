using System.Net;

namespace AptP2P.Engine.Transfers;

/// <summary>How a transfer names where its bytes came from (<see cref="Transfer.BytesBySource"/>, the logs, the dashboard).</summary>
public static class SourceNames
{
    public const string Mirror = "mirror";

    public static string Of(IPEndPoint peer) => peer.ToString();
}
