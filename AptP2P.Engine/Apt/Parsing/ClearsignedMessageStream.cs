using System.Buffers;
using AptP2P.Engine.Apt.Decompression;

namespace AptP2P.Engine.Apt.Parsing;

/// <summary>
/// Delivers the signed text of an OpenPGP clear-signed message (an InRelease file): drops the
/// <c>-----BEGIN PGP SIGNED MESSAGE-----</c> line and its armour headers, undoes dash-escaping
/// (<c>- </c> at a line start) and stops at <c>-----BEGIN PGP SIGNATURE-----</c>. The signature is
/// not checked: apt does that. Content that does not start with the armour line (a plain Release,
/// or an InRelease the mirror served unsigned) passes through unchanged.
/// </summary>
internal sealed class ClearsignedMessageStream : ReadOnlyStream
{
    private enum Part
    {
        Start,
        ArmourHeaders,
        Message,
        Plain,
        End,
    }

    private readonly Stream _inner;
    private readonly LineSegmentReader _lines;
    private byte[] _pending;
    private int _pendingStart;
    private int _pendingEnd;
    private Part _part = Part.Start;
    private bool _keepLine;

    /// <param name="inner">The decompressed file; owned.</param>
    public ClearsignedMessageStream(Stream inner, int bufferSize = LineSegmentReader.DefaultBufferSize)
    {
        _inner = inner;
        _lines = new LineSegmentReader(inner, bufferSize);
        _pending = ArrayPool<byte>.Shared.Rent(Math.Max(bufferSize, LineSegmentReader.MinimumBufferSize) + 1);
    }

    /// <summary>The content started with the clear-signature armour.</summary>
    public bool WasSigned { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_pending.Length == 0, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_pendingStart == _pendingEnd)
        {
            if (_part == Part.End || !_lines.TryRead(out var piece, out var startsLine, out var endsLine))
            {
                _part = Part.End;
                return 0;
            }

            if (startsLine)
            {
                _keepLine = StartLine(ref piece, endsLine);
            }

            if (_keepLine)
            {
                Keep(piece, endsLine);
            }
        }

        var n = Math.Min(buffer.Length, _pendingEnd - _pendingStart);
        _pending.AsSpan(_pendingStart, n).CopyTo(buffer);
        _pendingStart += n;
        return n;
    }

    /// <returns>Whether the line belongs to the message.</returns>
    private bool StartLine(ref ReadOnlySpan<byte> piece, bool endsLine)
    {
        var blank = endsLine && piece.TrimEnd(" \t\r"u8).IsEmpty;
        switch (_part)
        {
            case Part.Start when blank:
                return false;
            case Part.Start when endsLine && piece.TrimEnd(" \t\r"u8).SequenceEqual("-----BEGIN PGP SIGNED MESSAGE-----"u8):
                WasSigned = true;
                _part = Part.ArmourHeaders;
                return false;
            case Part.Start:
                _part = Part.Plain;
                return true;
            case Part.ArmourHeaders:
                // "Hash: SHA256" and the like, up to an empty line.
                if (blank)
                {
                    _part = Part.Message;
                }

                return false;
            case Part.Message when piece.StartsWith("-----BEGIN PGP SIGNATURE-----"u8):
                _part = Part.End;
                return false;
            case Part.Message when piece.StartsWith("- "u8):
                piece = piece[2..];
                return true;
            default:
                return true;
        }
    }

    private void Keep(ReadOnlySpan<byte> piece, bool endsLine)
    {
        var needed = piece.Length + 1;
        if (_pending.Length < needed)
        {
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = ArrayPool<byte>.Shared.Rent(needed);
        }

        piece.CopyTo(_pending);
        _pendingEnd = piece.Length;
        if (endsLine)
        {
            _pending[_pendingEnd++] = (byte)'\n';
        }

        _pendingStart = 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _pending.Length > 0)
        {
            _lines.Dispose();
            _inner.Dispose();
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = [];
        }

        base.Dispose(disposing);
    }
}
