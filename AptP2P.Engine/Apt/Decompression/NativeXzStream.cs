using System.Runtime.InteropServices;

namespace AptP2P.Engine.Apt.Decompression;

/// <summary>
/// Decodes xz through the system's liblzma (<c>liblzma.so.5</c>, always on Debian: dpkg depends on it), several times as
/// fast as the managed decoder. Concatenated streams and their padding are liblzma's own <c>LZMA_CONCATENATED</c> mode;
/// truncated or corrupt input is an <see cref="InvalidDataException"/>, as from the managed path. Where the library cannot be
/// loaded, <see cref="IsAvailable"/> is false and <see cref="Decompressor"/> uses SharpCompress instead.
/// </summary>
internal sealed unsafe partial class NativeXzStream : ReadOnlyStream
{
    private const string Library = "liblzma.so.5";

    // lzma_stream is 136 bytes on 64-bit Linux; only its first six fields are touched, at these offsets. Allocated larger
    // so that a future liblzma growing the reserved tail still finds zeros there.
    private const int StreamSize = 256;
    private const int NextIn = 0, AvailIn = 8, NextOut = 24, AvailOut = 32;

    private const uint Concatenated = 0x08;
    private const int Run = 0, Finish = 3;
    private const int Ok = 0, StreamEnd = 1;
    /// <summary>
    /// What the decoder may allocate: xz -9 needs 65 MiB to decode, so real indexes fit many times over, and a hostile header
    /// claiming a huge dictionary is refused instead of costing the machine its memory.
    /// </summary>
    private const ulong MemoryLimit = 256UL << 20;
    private const int InputSize = 64 * 1024;

    private static readonly Lazy<bool> Loaded = new(TryLoad);

    private readonly RawInput _raw;
    private readonly byte[] _input = new byte[InputSize];
    private byte* _stream;
    private int _inputStart;
    private int _inputEnd;
    private bool _inputDone;
    private bool _ended;

    public NativeXzStream(RawInput raw)
    {
        _raw = raw;
        _stream = (byte*)NativeMemory.AllocZeroed(StreamSize);
        var result = lzma_stream_decoder(_stream, MemoryLimit, Concatenated);
        if (result != Ok)
        {
            NativeMemory.Free(_stream);
            _stream = null;
            throw new InvalidDataException($"liblzma could not start an xz decoder (error {result}).");
        }
    }

    /// <summary>True when liblzma can be loaded on this machine.</summary>
    public static bool IsAvailable => Loaded.Value;

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_stream is null, this);
        if (buffer.IsEmpty || _ended)
            return 0;
        fixed (byte* output = buffer)
        fixed (byte* input = _input)
        {
            while (true)
            {
                if (_inputStart == _inputEnd && !_inputDone)
                {
                    _inputStart = 0;
                    _inputEnd = _raw.Read(_input);
                    _inputDone = _inputEnd == 0;
                }
                *(byte**)(_stream + NextIn) = input + _inputStart;
                *(nuint*)(_stream + AvailIn) = (nuint)(_inputEnd - _inputStart);
                *(byte**)(_stream + NextOut) = output;
                *(nuint*)(_stream + AvailOut) = (nuint)buffer.Length;
                var result = lzma_code(_stream, _inputDone ? Finish : Run);
                _inputStart = _inputEnd - (int)*(nuint*)(_stream + AvailIn);
                var produced = buffer.Length - (int)*(nuint*)(_stream + AvailOut);
                if (result == StreamEnd)
                {
                    _ended = true;
                    return produced;
                }
                if (result != Ok)
                    throw new InvalidDataException(Describe(result));
                if (produced > 0)
                    return produced;
                if (_inputDone)
                    throw new InvalidDataException("The xz data is truncated.");
            }
        }
    }

    private static string Describe(int result) => result switch
    {
        5 => "liblzma ran out of memory decoding the xz data.",
        6 => "The xz data needs more memory than the decoder may use.",
        7 => "The data is not in the xz format.",
        8 => "The xz data uses options this liblzma does not support.",
        9 => "The xz data is corrupt.",
        10 => "The xz data is truncated.",
        _ => $"liblzma failed to decode the xz data (error {result}).",
    };

    protected override void Dispose(bool disposing)
    {
        if (_stream is not null)
        {
            lzma_end(_stream);
            NativeMemory.Free(_stream);
            _stream = null;
        }
        if (disposing)
            _raw.Dispose();
        base.Dispose(disposing);
    }

    private static bool TryLoad()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad(Library, typeof(NativeXzStream).Assembly, null, out var handle))
            return false;
        return NativeLibrary.TryGetExport(handle, "lzma_stream_decoder", out _) && NativeLibrary.TryGetExport(handle, "lzma_code", out _);
    }

    [LibraryImport(Library)]
    private static partial int lzma_stream_decoder(byte* stream, ulong memoryLimit, uint flags);

    [LibraryImport(Library)]
    private static partial int lzma_code(byte* stream, int action);

    [LibraryImport(Library)]
    private static partial void lzma_end(byte* stream);
}
