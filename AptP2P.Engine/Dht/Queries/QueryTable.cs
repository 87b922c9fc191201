using System.Buffers.Binary;
using System.Net;
using AptP2P.Engine.Dht.Krpc;

namespace AptP2P.Engine.Dht.Queries;

/// <summary>
/// Our queries in flight, keyed by transaction id, with their slow and hard deadlines on one timer (re-armed to the earliest
/// deadline, so an idle node has no timer ticking). Every callback runs under the owner's lock.
/// </summary>
public sealed class QueryTable : IDisposable
{
    private readonly Lock _gate;
    private readonly TimeProvider _time;
    private readonly TimeSpan _hardTimeout;
    private readonly Action<PendingQuery> _onSlow;
    private readonly Action<PendingQuery> _onExpired;
    private readonly Dictionary<ushort, PendingQuery> _pending = [];
    private readonly PriorityQueue<(PendingQuery Query, bool Hard), long> _deadlines = new();
    private readonly ITimer _timer;
    private long _armedFor = long.MaxValue;
    private ushort _next;

    public QueryTable(Lock gate, TimeProvider time, TimeSpan hardTimeout, Random random, Action<PendingQuery> onSlow, Action<PendingQuery> onExpired)
    {
        _gate = gate;
        _time = time;
        _hardTimeout = hardTimeout;
        _onSlow = onSlow;
        _onExpired = onExpired;
        _next = (ushort)random.Next(ushort.MaxValue);
        _timer = time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public int Count => _pending.Count;

    /// <summary>Registers a query about to be sent and returns it with its transaction id.</summary>
    public PendingQuery Register(KrpcMethod method, IPEndPoint destination, NodeId? expectedId, IQueryObserver? observer, TimeSpan slowAfter)
    {
        while (_pending.ContainsKey(_next))
            _next++;
        var now = _time.GetTimestamp();
        var query = new PendingQuery(_next++, method, destination, expectedId, now, observer);
        _pending.Add(query.TransactionId, query);
        var nowTicks = _time.GetUtcNow().UtcTicks;
        if (slowAfter < _hardTimeout)
            Schedule(query, hard: false, nowTicks + slowAfter.Ticks);
        Schedule(query, hard: true, nowTicks + _hardTimeout.Ticks);
        return query;
    }

    public static byte[] EncodeTransactionId(ushort id)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, id);
        return bytes;
    }

    /// <summary>Takes the query a response or error answers, if it came from where the query went.</summary>
    public bool TryComplete(ReadOnlySpan<byte> transactionId, IPEndPoint source, out PendingQuery query)
    {
        query = null!;
        if (transactionId.Length != 2)
            return false;
        var id = BinaryPrimitives.ReadUInt16BigEndian(transactionId);
        if (!_pending.TryGetValue(id, out var found) || !found.Destination.Equals(source))
            return false;
        _pending.Remove(id);
        found.Rtt = _time.GetElapsedTime(found.SentAt);
        query = found;
        return true;
    }

    private void Schedule(PendingQuery query, bool hard, long due)
    {
        _deadlines.Enqueue((query, hard), due);
        if (due >= _armedFor)
            return;
        _armedFor = due;
        _timer.Change(TimeSpan.FromTicks(Math.Max(due - _time.GetUtcNow().UtcTicks, TimeSpan.TicksPerMillisecond)), Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _armedFor = long.MaxValue;
            var now = _time.GetUtcNow().UtcTicks;
            while (_deadlines.TryPeek(out var entry, out var due) && due <= now)
            {
                _deadlines.Dequeue();
                var query = entry.Query;
                if (!_pending.TryGetValue(query.TransactionId, out var current) || !ReferenceEquals(current, query))
                    continue;
                if (entry.Hard)
                {
                    _pending.Remove(query.TransactionId);
                    _onExpired(query);
                }
                else if (!query.IsSlow)
                {
                    query.IsSlow = true;
                    _onSlow(query);
                }
            }
            // Drop deadlines of queries already answered from the front, then arm for the next real one.
            while (_deadlines.TryPeek(out var entry, out _) && !_pending.ContainsKey(entry.Query.TransactionId))
                _deadlines.Dequeue();
            if (_deadlines.TryPeek(out _, out var next))
            {
                _armedFor = next;
                _timer.Change(TimeSpan.FromTicks(Math.Max(next - now, TimeSpan.TicksPerMillisecond)), Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Dispose() => _timer.Dispose();
}
