using AptP2P.Engine.Transfers;

namespace AptP2P.Engine.Stats;

/// <summary>The speed of each running transfer, smoothed over the samples, forgotten when the transfer ends.</summary>
internal sealed class TransferRates
{
    private const double Smoothing = 0.5;
    private readonly Dictionary<string, (long Bytes, DateTimeOffset At, double Rate)> _last = new(StringComparer.Ordinal);

    public void Update(IReadOnlyList<Transfer> active, DateTimeOffset now)
    {
        var running = new HashSet<string>(StringComparer.Ordinal);
        foreach (var transfer in active)
        {
            running.Add(transfer.Key);
            var bytes = transfer.BytesWritten;
            if (_last.TryGetValue(transfer.Key, out var last) && now > last.At)
            {
                var instant = Math.Max(0, bytes - last.Bytes) / (now - last.At).TotalSeconds;
                _last[transfer.Key] = (bytes, now, last.Rate == 0 ? instant : Smoothing * instant + (1 - Smoothing) * last.Rate);
            }
            else if (!_last.ContainsKey(transfer.Key))
            {
                _last[transfer.Key] = (bytes, now, 0);
            }
        }
        foreach (var key in _last.Keys.Where(k => !running.Contains(k)).ToList())
            _last.Remove(key);
    }

    public double Of(Transfer transfer) => _last.TryGetValue(transfer.Key, out var last) ? last.Rate : 0;

    /// <summary>A finished transfer's average speed over its whole duration.</summary>
    public static double Average(Transfer transfer)
    {
        var seconds = ((transfer.EndedAt ?? transfer.StartedAt) - transfer.StartedAt).TotalSeconds;
        return seconds > 0 ? transfer.BytesWritten / seconds : 0;
    }
}
