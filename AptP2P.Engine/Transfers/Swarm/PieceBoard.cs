namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>
/// Which pieces of one file are missing, being fetched or done, and how far the verified prefix reaches. Sources claim the
/// lowest missing piece first so that apt can be fed while the rest arrives; at the end, idle sources duplicate what is still
/// in flight (first to finish wins).
/// </summary>
internal sealed class PieceBoard(int count)
{
    private enum State : byte { Missing, InFlight, Done }

    private readonly State[] _states = new State[count];
    private readonly int[] _claims = new int[count];
    private readonly Lock _lock = new();
    private int _prefix;
    private int _done;

    public int Count => count;
    public bool AllDone { get { lock (_lock) return _done == count; } }
    public int DoneCount { get { lock (_lock) return _done; } }
    /// <summary>Pieces 0 … <c>VerifiedPrefix - 1</c> are all done.</summary>
    public int VerifiedPrefix { get { lock (_lock) return _prefix; } }

    /// <summary>True while some piece is neither done nor in flight.</summary>
    public bool HasMissing { get { lock (_lock) return Array.IndexOf(_states, State.Missing, _prefix) >= 0; } }

    public bool IsDone(int piece)
    {
        lock (_lock)
            return _states[piece] == State.Done;
    }

    /// <summary>
    /// The lowest missing piece (the claimant writes it in place); when none is missing and <paramref name="endgame"/> is set,
    /// a piece in flight that only one source works on (a duplicate: kept in memory until verified).
    /// </summary>
    public (int Piece, bool Duplicate)? Claim(bool endgame)
    {
        lock (_lock)
        {
            for (var i = _prefix; i < count; i++)
            {
                if (_states[i] == State.Missing)
                {
                    _states[i] = State.InFlight;
                    _claims[i]++;
                    return (i, false);
                }
            }
            if (!endgame)
                return null;
            for (var i = _prefix; i < count; i++)
            {
                if (_states[i] == State.InFlight && _claims[i] == 1)
                {
                    _claims[i]++;
                    return (i, true);
                }
            }
            return null;
        }
    }

    /// <summary>Claims one given piece if it is missing (a stream passing over it).</summary>
    public bool TryClaim(int piece)
    {
        lock (_lock)
        {
            if (_states[piece] != State.Missing)
                return false;
            _states[piece] = State.InFlight;
            _claims[piece]++;
            return true;
        }
    }

    /// <summary>Claims the lowest missing piece and the missing pieces right after it, up to <paramref name="max"/>.</summary>
    public (int First, int Count)? ClaimRun(int max)
    {
        lock (_lock)
        {
            var first = Array.IndexOf(_states, State.Missing, _prefix);
            if (first < 0)
                return null;
            var end = first;
            while (end < count && end - first < max && _states[end] == State.Missing)
            {
                _states[end] = State.InFlight;
                _claims[end]++;
                end++;
            }
            return (first, end - first);
        }
    }

    /// <summary>Records a verified piece; false when another source finished it first.</summary>
    public bool Complete(int piece)
    {
        lock (_lock)
        {
            if (_states[piece] == State.Done)
                return false;
            _states[piece] = State.Done;
            _claims[piece] = 0;
            _done++;
            while (_prefix < count && _states[_prefix] == State.Done)
                _prefix++;
            return true;
        }
    }

    /// <summary>A source gave up on a piece: it is missing again unless someone else still works on it or finished it.</summary>
    public void Release(int piece)
    {
        lock (_lock)
        {
            if (_states[piece] != State.InFlight)
                return;
            if (--_claims[piece] <= 0)
            {
                _claims[piece] = 0;
                _states[piece] = State.Missing;
            }
        }
    }
}
