using System.Threading.Channels;

namespace AptP2P.Tests.Transfers;

/// <summary>
/// A body whose chunks the test sends one at a time. A zero-byte read waits for the next chunk without taking it, as a socket
/// stream's does; every read's buffer length is recorded.
/// </summary>
internal sealed class ControlledStream : Stream
{
    private readonly Channel<byte[]> _chunks = Channel.CreateUnbounded<byte[]>();
    private byte[]? _pending;
    private int _pendingOffset;

    public List<int> ReadLengths { get; } = [];

    public void Send(params byte[] chunk) => _chunks.Writer.TryWrite(chunk);

    public void End() => _chunks.Writer.TryComplete();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (ReadLengths)
            ReadLengths.Add(buffer.Length);
        if (_pending is null)
        {
            if (!await _chunks.Reader.WaitToReadAsync(cancellationToken))
                return 0;
            if (buffer.IsEmpty)
                return 0;
            _pending = await _chunks.Reader.ReadAsync(cancellationToken);
            _pendingOffset = 0;
        }
        if (buffer.IsEmpty)
            return 0;
        var n = Math.Min(buffer.Length, _pending.Length - _pendingOffset);
        _pending.AsMemory(_pendingOffset, n).CopyTo(buffer);
        _pendingOffset += n;
        if (_pendingOffset == _pending.Length)
            _pending = null;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
