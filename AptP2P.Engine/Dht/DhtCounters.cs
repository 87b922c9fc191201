namespace AptP2P.Engine.Dht;

/// <summary>The node's running counters (read and written under the node's lock).</summary>
internal sealed class DhtCounters
{
    public long DatagramsIn;
    public long DatagramsOut;
    public long QueriesIn;
    public long QueriesOut;
    public long ResponsesIn;
    public long ErrorsIn;
    public long Timeouts;
    public long Malformed;
    /// <summary>Entries of nodes, nodes6 and values skipped in otherwise good responses.</summary>
    public long MalformedEntries;
    public long Dropped;
    public long Unexpected;
    public long LookupsStarted;
    public long LookupsCompleted;
    public long AnnouncesStored;
    public long ItemsStored;
}
