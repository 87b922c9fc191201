using System.Collections;
using AptP2P.Engine.Apt.Parsing;

namespace AptP2P.Engine.Apt;

/// <summary>
/// Runs a parser's lazy entry sequence once and turns the failures bad input can cause (corrupt
/// or truncated compressed data, a broken stream) into <see cref="ParseCounters.Error"/> instead of
/// exceptions: entries yielded before the failure stay valid, and the caller decides from
/// <see cref="ParseStats"/> what to do with them.
/// </summary>
internal sealed class GuardedEntries : IEnumerable<IndexedFile>, IEnumerator<IndexedFile>
{
    private readonly IEnumerable<IndexedFile> _source;
    private readonly ParseCounters _counters;
    private IEnumerator<IndexedFile>? _enumerator;
    private bool _started;
    private bool _finished;

    public GuardedEntries(IEnumerable<IndexedFile> source, ParseCounters counters)
    {
        _source = source;
        _counters = counters;
    }

    public IndexedFile Current { get; private set; } = null!;

    object IEnumerator.Current => Current;

    public IEnumerator<IndexedFile> GetEnumerator()
    {
        if (_started)
        {
            throw new InvalidOperationException("The entries of a metadata file can be enumerated only once: they are read from a stream.");
        }

        _started = true;
        return this;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool MoveNext()
    {
        if (_finished)
        {
            return false;
        }

        try
        {
            _enumerator ??= _source.GetEnumerator();
            if (_enumerator.MoveNext())
            {
                Current = _enumerator.Current;
                return true;
            }

            // A result that failed before any entry was read has an error already.
            _counters.Completed = _counters.Error is null;
        }
        catch (Exception ex) when (IsBadInput(ex))
        {
            _counters.Error = ex.Message;
        }

        Finish();
        return false;
    }

    /// <summary>What unreadable input looks like; anything else is a bug and propagates.</summary>
    public static bool IsBadInput(Exception ex) => ex is InvalidDataException or IOException or NotSupportedException;

    public void Reset() => throw new NotSupportedException();

    public void Dispose() => Finish();

    private void Finish()
    {
        _finished = true;
        _enumerator?.Dispose();
        _enumerator = null;
    }
}
