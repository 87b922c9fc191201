using System.Globalization;
using AptP2P.Engine;
using AptP2P.Engine.Transfers;
using Microsoft.Net.Http.Headers;

namespace AptP2P.Web.Files;

/// <summary>
/// Writes a body to the client the way apt expects: If-Modified-Since → 304, one Range (with If-Range) → 206 or 416, exact
/// Content-Length whenever the length is known, HEAD without a body, and the bytes read straight into Kestrel's own buffers.
/// A source that fails half-way aborts the connection, so a truncated body is never mistaken for a complete one.
/// </summary>
internal static class FileResponder
{
    private const int ChunkSize = 256 * 1024;

    // Kestrel cancels RequestAborted on the thread pool, possibly after the copy has returned: the copy says so itself.
    private static readonly object ClientGoneKey = new();

    /// <summary>True when a body copy for this request stopped because the client's side of the connection was gone.</summary>
    public static bool ClientWentAway(HttpContext context) => context.Items.ContainsKey(ClientGoneKey);

    /// <returns>The number of body bytes written.</returns>
    /// <param name="mayStall">The source may take a while for its first bytes (a transfer): flush the headers at once.</param>
    public static async Task<long> SendAsync(HttpContext context, BodyHeaders plan, IFileBody source, bool mayStall)
    {
        var request = context.Request;
        var response = context.Response;
        var headers = response.Headers;

        if (plan.LastModified is { } lastModified)
            headers.LastModified = HeaderUtilities.FormatDate(lastModified);
        if (plan.ETag is { } etag)
            headers.ETag = etag;
        response.ContentType = plan.ContentType;

        if (IsNotModified(request, plan))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return 0;
        }

        long start = 0;
        var length = plan.Length;
        if (plan.Length is { } total)
        {
            headers.AcceptRanges = "bytes";
            switch (EvaluateRange(request, plan, total, out var from, out var to))
            {
                case RangeOutcome.Partial:
                    response.StatusCode = StatusCodes.Status206PartialContent;
                    headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {from}-{to}/{total}");
                    start = from;
                    length = to - from + 1;
                    break;
                case RangeOutcome.Unsatisfiable:
                    response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                    headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes */{total}");
                    response.ContentLength = 0;
                    return 0;
                default:
                    response.StatusCode = StatusCodes.Status200OK;
                    break;
            }
            response.ContentLength = length;
        }
        else
        {
            response.StatusCode = StatusCodes.Status200OK;
        }

        if (HttpMethods.IsHead(request.Method))
            return 0;

        await response.StartAsync(context.RequestAborted);
        // The first body bytes of a transfer may take a while (a held-back tail, a slow mirror): apt must have its headers now.
        if (mayStall)
            await response.BodyWriter.FlushAsync(context.RequestAborted);
        return await CopyAsync(context, source, start, length);
    }

    private static async Task<long> CopyAsync(HttpContext context, IFileBody source, long start, long? length)
    {
        var writer = context.Response.BodyWriter;
        var token = context.RequestAborted;
        var offset = start;
        var end = length is { } l ? start + l : long.MaxValue;
        try
        {
            while (offset < end)
            {
                var want = (int)Math.Min(ChunkSize, end - offset);
                var memory = writer.GetMemory(want);
                var read = await source.ReadAsync(offset, memory[..Math.Min(want, memory.Length)], token);
                if (read == 0)
                {
                    if (length is not null)
                        context.Abort(); // shorter than announced: never let it look complete
                    break;
                }
                writer.Advance(read);
                offset += read;
                var flushed = await writer.FlushAsync(token);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    // Kestrel completes its reader when the connection is gone.
                    if (offset < end)
                        context.Items[ClientGoneKey] = true;
                    break;
                }
            }
        }
        catch (TransferFailedException)
        {
            // The source broke (wrong hash, mirror gone): cut the connection so apt retries instead of accepting a short file.
            context.Abort();
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // apt went away; the transfer goes on without it. Noted at Debug by the host (ClientAbortLog).
            context.Items[ClientGoneKey] = true;
        }
        return offset - start;
    }

    private static bool IsNotModified(HttpRequest request, BodyHeaders plan)
    {
        if (plan.LastModified is not { } lastModified || request.Headers.Range.Count > 0)
            return false;
        return HeaderUtilities.TryParseDate(request.Headers.IfModifiedSince.ToString(), out var since)
            && Truncate(lastModified) <= Truncate(since);
    }

    private enum RangeOutcome { Full, Partial, Unsatisfiable }

    /// <summary>One range only (all apt ever sends); multi-range or malformed headers get the whole file.</summary>
    private static RangeOutcome EvaluateRange(HttpRequest request, BodyHeaders plan, long total, out long from, out long to)
    {
        from = 0;
        to = total - 1;
        var rangeHeader = request.Headers.Range.ToString();
        if (string.IsNullOrEmpty(rangeHeader) || !plan.RangesAllowed || !IfRangeMatches(request, plan))
            return RangeOutcome.Full;
        if (!RangeHeaderValue.TryParse(rangeHeader, out var range) || range.Unit != "bytes" || range.Ranges.Count != 1)
            return RangeOutcome.Full;

        var item = range.Ranges.First();
        if (item.From is { } first)
        {
            if (first >= total)
                return RangeOutcome.Unsatisfiable;
            from = first;
            to = item.To is { } last && last < total ? last : total - 1;
            if (to < from)
                return RangeOutcome.Full;
        }
        else if (item.To is { } suffix)
        {
            if (suffix == 0)
                return RangeOutcome.Unsatisfiable;
            from = Math.Max(0, total - suffix);
        }
        else
        {
            return RangeOutcome.Full;
        }
        return from == 0 && to == total - 1 ? RangeOutcome.Full : RangeOutcome.Partial;
    }

    /// <summary>If-Range holds a date (apt: the partial file's mtime) or an entity tag; a mismatch means "send it all".</summary>
    private static bool IfRangeMatches(HttpRequest request, BodyHeaders plan)
    {
        var ifRange = request.Headers.IfRange.ToString();
        if (string.IsNullOrEmpty(ifRange))
            return true;
        if (ifRange.StartsWith('"') || ifRange.StartsWith("W/", StringComparison.Ordinal))
            return plan.ETag is not null && !ifRange.StartsWith("W/", StringComparison.Ordinal) && ifRange == plan.ETag;
        return plan.LastModified is { } lastModified
            && HeaderUtilities.TryParseDate(ifRange, out var date)
            && Truncate(lastModified) == Truncate(date);
    }

    private static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.Ticks - value.Ticks % TimeSpan.TicksPerSecond, value.Offset);
}
