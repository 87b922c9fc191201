namespace AptP2P.Engine.Stats;

/// <summary>
/// Traffic per local calendar day, in memory since start: the counters are cumulative, so a day is the difference between
/// the counters now and at the day's first sample. Keeps <see cref="MaxDays"/> finished days.
/// </summary>
public sealed class DailyTraffic(TimeProvider time)
{
    public const int MaxDays = 31;

    private readonly Lock _lock = new();
    private readonly LinkedList<(DateOnly Day, TrafficSnapshot Traffic)> _finished = new();
    private DateOnly _day;
    private TrafficSnapshot? _startOfDay;

    /// <summary>Records <paramref name="now"/> and returns the traffic of the current day so far.</summary>
    public TrafficSnapshot Today(TrafficSnapshot now)
    {
        var local = time.GetLocalNow();
        var day = DateOnly.FromDateTime(local.DateTime);
        lock (_lock)
        {
            if (_startOfDay is null)
            {
                // The first sample of the process: the counters started at zero this very day.
                _day = day;
                _startOfDay = now with
                {
                    Requests = 0,
                    CacheHits = 0,
                    CacheMisses = 0,
                    BytesFromMirror = 0,
                    BytesFromPeers = 0,
                    BytesFromLanPeers = 0,
                    BytesFromCache = 0,
                    BytesToClients = 0,
                    BytesUploaded = 0,
                    HashMismatches = 0,
                    BadPieces = 0,
                    RefusedRequests = 0,
                };
            }
            else if (day != _day)
            {
                _finished.AddFirst((_day, Difference(now, _startOfDay)));
                while (_finished.Count > MaxDays)
                    _finished.RemoveLast();
                _day = day;
                _startOfDay = now with { Since = new DateTimeOffset(local.Date, local.Offset) };
            }
            return Difference(now, _startOfDay);
        }
    }

    /// <summary>Finished days, newest first.</summary>
    public IReadOnlyList<(DateOnly Day, TrafficSnapshot Traffic)> PreviousDays()
    {
        lock (_lock)
            return [.. _finished];
    }

    /// <summary>The traffic between two snapshots of the counters, dated from the earlier one.</summary>
    public static TrafficSnapshot Difference(TrafficSnapshot later, TrafficSnapshot earlier) => new(
        later.Requests - earlier.Requests,
        later.CacheHits - earlier.CacheHits,
        later.CacheMisses - earlier.CacheMisses,
        later.BytesFromMirror - earlier.BytesFromMirror,
        later.BytesFromPeers - earlier.BytesFromPeers,
        later.BytesFromCache - earlier.BytesFromCache,
        later.BytesToClients - earlier.BytesToClients,
        later.BytesUploaded - earlier.BytesUploaded,
        later.HashMismatches - earlier.HashMismatches,
        later.BadPieces - earlier.BadPieces,
        later.RefusedRequests - earlier.RefusedRequests,
        earlier.Since)
    {
        BytesFromLanPeers = later.BytesFromLanPeers - earlier.BytesFromLanPeers,
    };
}
