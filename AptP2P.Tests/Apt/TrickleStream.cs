using AptP2P.Engine.Apt.Decompression;


namespace AptP2P.Tests.Apt;

/// <summary>Hands out its content a few bytes per read, like a slow network connection.</summary>
internal sealed class TrickleStream(byte[] content, int seed) : ReadOnlyStream
{
    private readonly Random _random = new(seed);
    private int _position;

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(Math.Min(buffer.Length, _random.Next(1, 8)), content.Length - _position);
        content.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }
}
