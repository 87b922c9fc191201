using System.Collections.Concurrent;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Mirrors;
using Microsoft.Win32.SafeHandles;

namespace AptP2P.Engine.Transfers;

/// <summary>
/// One download of one file into a partial file on disk, shared by every reader that wants it. Readers follow the file as it
/// grows, at their own pace, straight from disk; a slow reader never holds the download back. For a file whose hash is
/// known, the last bytes are held back from readers until the whole file has been checked, so nobody ever receives a complete
/// wrong file: on a mismatch readers fail instead and cut their connection.
/// </summary>
public sealed class Transfer
{
    /// <summary>How much of a hashed file stays unreadable until the whole-file hash has been checked.</summary>
    public const int HoldBackBytes = 64 * 1024;

    private readonly TaskCompletionSource<TransferHead> _head = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<TransferResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ProgressSignal _progress = new();
    private readonly Lock _fileLock = new();
    private long _written;
    private long _length = -1;
    private int _readers;
    private string? _failure;
    private readonly ConcurrentDictionary<string, long> _bySource = new(StringComparer.Ordinal);

    internal Transfer(string key, MirrorUrl url, ContentHash? expectedHash, long? expectedSize, string partialPath, DateTimeOffset startedAt)
    {
        Key = key;
        Url = url;
        ExpectedHash = expectedHash;
        ExpectedSize = expectedSize;
        PartialPath = partialPath;
        StartedAt = startedAt;
        if (expectedSize is { } size)
            _length = size;
    }

    public string Key { get; }
    public MirrorUrl Url { get; }
    public ContentHash? ExpectedHash { get; }
    public long? ExpectedSize { get; }
    public DateTimeOffset StartedAt { get; }
    internal string PartialPath { get; }

    /// <summary>Completes when the source has answered (status and headers known).</summary>
    public Task<TransferHead> Head => _head.Task;

    /// <summary>Completes when the transfer has ended; the file is in the cache when the result is <see cref="TransferResult.Stored"/>.</summary>
    public Task<TransferResult> Completion => _completion.Task;

    /// <summary>The stored file, once <see cref="Completion"/> says <see cref="TransferResult.Stored"/>.</summary>
    public CacheEntry? Stored { get; private set; }

    public long BytesWritten => Interlocked.Read(ref _written);

    /// <summary>The file's length, when known (from the index, or from the mirror's Content-Length).</summary>
    public long? Length => Interlocked.Read(ref _length) is var l && l >= 0 ? l : null;

    public int Readers => Volatile.Read(ref _readers);

    /// <summary>Bytes received per source: <c>mirror</c>, or a peer's <c>ip:port</c>.</summary>
    public IReadOnlyDictionary<string, long> BytesBySource => new Dictionary<string, long>(_bySource, StringComparer.Ordinal);

    /// <summary>When the transfer ended, or null while it runs.</summary>
    public DateTimeOffset? EndedAt { get; private set; }

    internal void AddSourceBytes(string source, long bytes) => _bySource.AddOrUpdate(source, bytes, (_, total) => total + bytes);

    internal void MarkEnded(DateTimeOffset at) => EndedAt = at;

    public string? FailureReason => Volatile.Read(ref _failure);

    /// <summary>Bytes a reader may have now: everything written, minus the held-back tail of a file not yet verified.</summary>
    private long Readable
    {
        get
        {
            var written = BytesWritten;
            if (_completion.Task.IsCompletedSuccessfully && _completion.Task.Result == TransferResult.Stored)
                return written;
            if (ExpectedHash is null)
                return written;
            var holdBack = Math.Min(HoldBackBytes, ExpectedSize ?? HoldBackBytes);
            return Math.Max(0, written - Math.Max(1, holdBack));
        }
    }

    /// <summary>Opens the growing file for a reader, or returns null when the transfer has already ended (look in the cache).</summary>
    public TransferReader? TryOpenReader()
    {
        lock (_fileLock)
        {
            if (_completion.Task.IsCompleted)
                return null;
            var handle = File.OpenHandle(PartialPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Interlocked.Increment(ref _readers);
            return new TransferReader(this, handle);
        }
    }

    internal async ValueTask<int> ReadAsync(SafeFileHandle handle, long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var wait = _progress.WaitAsync(cancellationToken);
            var available = Readable - offset;
            // Synchronous: the bytes were just written and sit in the page cache; an "async" file read on Linux would only
            // move the same read to another thread.
            if (available > 0)
                return RandomAccess.Read(handle, buffer.Span[..(int)Math.Min(buffer.Length, available)], offset);

            if (_completion.Task.IsCompleted)
            {
                if (_completion.Task.Result == TransferResult.Stored)
                    return 0;
                throw new TransferFailedException(FailureReason ?? "the transfer failed");
            }
            await wait;
        }
    }

    internal void ReaderClosed() => Interlocked.Decrement(ref _readers);

    internal void SetHead(TransferHead head)
    {
        if (head.Length is { } length && ExpectedSize is null)
            Interlocked.Exchange(ref _length, length);
        _head.TrySetResult(head);
    }

    internal void Advance(long bytes)
    {
        Interlocked.Add(ref _written, bytes);
        _progress.Notify();
    }

    /// <summary>Sets how many bytes from the start are in place (the verified prefix of a download in pieces).</summary>
    internal void SetWritten(long bytes)
    {
        Interlocked.Exchange(ref _written, bytes);
        _progress.Notify();
    }

    internal void Restart()
    {
        Interlocked.Exchange(ref _written, 0);
        _progress.Notify();
    }

    /// <summary>Moves the verified file into the store while no reader can be opening the partial path.</summary>
    internal void Complete(Func<CacheEntry> store)
    {
        // Completion is set inside the lock: a reader must never see "running" once the partial file has been moved.
        lock (_fileLock)
        {
            Stored = store();
            _completion.TrySetResult(TransferResult.Stored);
        }
        _progress.Notify();
    }

    internal void End(TransferResult result, string? reason)
    {
        Volatile.Write(ref _failure, reason);
        _head.TrySetResult(new TransferHead(HeadKind.Failed, null, null, null, null) { Reason = reason });
        lock (_fileLock)
            _completion.TrySetResult(result);
        _progress.Notify();
    }
}

/// <summary>A reader's view of a transfer: its own file handle, reading at its own offset.</summary>
public sealed class TransferReader(Transfer transfer, SafeFileHandle handle) : IFileBody, IDisposable
{
    private int _disposed;

    public Transfer Transfer => transfer;

    /// <summary>Waits for bytes at <paramref name="offset"/>; 0 at the end of a stored file; throws <see cref="TransferFailedException"/> if the transfer fails.</summary>
    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        transfer.ReadAsync(handle, offset, buffer, cancellationToken);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        handle.Dispose();
        transfer.ReaderClosed();
    }
}
