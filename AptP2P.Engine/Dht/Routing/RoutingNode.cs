using System.Net;

namespace AptP2P.Engine.Dht.Routing;

/// <summary>What the routing table knows of one node: when it last answered or asked, how often it failed, how fast it answers.</summary>
public sealed class RoutingNode(NodeContact contact)
{
    public NodeContact Contact { get; } = contact;
    public NodeId Id => Contact.Id;
    public IPEndPoint EndPoint => Contact.EndPoint;

    public DateTimeOffset LastResponse { get; set; }
    public DateTimeOffset LastQuery { get; set; }
    public int FailedQueries { get; set; }

    /// <summary>Smoothed round-trip time (zero until measured).</summary>
    public TimeSpan Rtt { get; private set; }

    public void RecordRtt(TimeSpan sample) =>
        Rtt = Rtt == TimeSpan.Zero ? sample : TimeSpan.FromTicks((Rtt.Ticks * 7 + sample.Ticks) / 8);

    /// <summary>BEP 5: answered within 15 minutes, or answered once and asked us within 15 minutes.</summary>
    public bool IsGood(DateTimeOffset now, TimeSpan window) =>
        FailedQueries == 0 && LastResponse != default && (now - LastResponse < window || now - LastQuery < window);

    public bool IsBad(int maxFailures) => FailedQueries >= maxFailures;

    public bool IsQuestionable(DateTimeOffset now, TimeSpan window, int maxFailures) => !IsBad(maxFailures) && !IsGood(now, window);
}
