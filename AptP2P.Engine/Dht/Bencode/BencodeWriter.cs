using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace AptP2P.Engine.Dht.Bencode;

/// <summary>
/// Writes bencode into an <see cref="IBufferWriter{T}"/>. Callers write dictionary keys in ascending byte order, as every
/// message type here does.
/// </summary>
public readonly struct BencodeWriter(IBufferWriter<byte> output)
{
    public void WriteInteger(long value)
    {
        var span = output.GetSpan(22);
        span[0] = (byte)'i';
        Utf8Formatter.TryFormat(value, span[1..], out var written);
        span[1 + written] = (byte)'e';
        output.Advance(written + 2);
    }

    public void WriteString(ReadOnlySpan<byte> value)
    {
        var span = output.GetSpan(value.Length + 12);
        Utf8Formatter.TryFormat(value.Length, span, out var written);
        span[written++] = (byte)':';
        value.CopyTo(span[written..]);
        output.Advance(written + value.Length);
    }

    /// <summary>Writes an ASCII/UTF-8 text as a byte string.</summary>
    public void WriteString(string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var span = output.GetSpan(length + 12);
        Utf8Formatter.TryFormat(length, span, out var written);
        span[written++] = (byte)':';
        Encoding.UTF8.GetBytes(text, span[written..]);
        output.Advance(written + length);
    }

    /// <summary>A dictionary key followed by a string value.</summary>
    public void WriteString(string key, ReadOnlySpan<byte> value)
    {
        WriteString(key);
        WriteString(value);
    }

    public void WriteInteger(string key, long value)
    {
        WriteString(key);
        WriteInteger(value);
    }

    public void WriteListStart() => WriteByte((byte)'l');
    public void WriteDictionaryStart() => WriteByte((byte)'d');
    public void WriteEnd() => WriteByte((byte)'e');

    /// <summary>Copies an already encoded value (a BEP 44 <c>v</c> kept as the bytes that were signed).</summary>
    public void WriteRaw(ReadOnlySpan<byte> encoded) => output.Write(encoded);

    private void WriteByte(byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }
}
