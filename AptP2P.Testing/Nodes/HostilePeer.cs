using System.Net;
using AptP2P.Engine;
using AptP2P.Engine.Pieces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AptP2P.Testing.Nodes;

/// <summary>How a <see cref="HostilePeer"/> misbehaves.</summary>
public enum Hostility
{
    /// <summary>A genuine piece list, but one byte of every range it sends is flipped.</summary>
    WrongBytes,
    /// <summary>A piece list made for other content of the same size, and that content: every piece matches the list, the file does not.</summary>
    ForgedPieceList,
    /// <summary>Answers 206 with the right headers, then sends nothing.</summary>
    StallAfterHeaders,
    /// <summary>Sends half of every range, then closes the connection.</summary>
    CloseEarly,
}

/// <summary>A test-controlled peer speaking the peer protocol on a loopback address, badly on purpose.</summary>
public sealed class HostilePeer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HostilePeer(WebApplication app, ContentHash file)
    {
        _app = app;
        File = file;
    }

    public ContentHash File { get; }
    public IPEndPoint EndPoint { get; private set; } = null!;
    public int Requests => _requests;
    private int _requests;

    public static async Task<HostilePeer> StartAsync(string address, string genuineFile, Hostility hostility)
    {
        var genuine = await System.IO.File.ReadAllBytesAsync(genuineFile);
        var hash = ContentHash.Compute(genuine);
        var served = genuine;
        if (hostility == Hostility.ForgedPieceList)
        {
            served = (byte[])genuine.Clone();
            served[served.Length / 2] ^= 0xFF;
        }
        var pieceListSource = Path.GetTempFileName();
        await System.IO.File.WriteAllBytesAsync(pieceListSource, served);
        byte[] pieces;
        using (var handle = System.IO.File.OpenHandle(pieceListSource))
            pieces = PieceList.Compute(handle, served.Length).Encode();
        System.IO.File.Delete(pieceListSource);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(address), 0));
        var app = builder.Build();
        var peer = new HostilePeer(app, hash);
        app.MapGet($"/~/{hash}/pieces", () => Results.Bytes(pieces, "application/octet-stream"));
        app.MapGet($"/~/{hash}", (HttpContext context) => peer.ServeAsync(context, served, hostility));
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        peer.EndPoint = new IPEndPoint(IPAddress.Parse(address), new Uri(bound).Port);
        return peer;
    }

    private async Task ServeAsync(HttpContext context, byte[] content, Hostility hostility)
    {
        Interlocked.Increment(ref _requests);
        var range = Microsoft.Net.Http.Headers.RangeHeaderValue.TryParse(context.Request.Headers.Range.ToString(), out var parsed) ? parsed.Ranges.First() : null;
        long from = range?.From ?? 0, to = range?.To ?? content.Length - 1;
        var length = (int)(to - from + 1);
        context.Response.StatusCode = range is null ? 200 : 206;
        if (range is not null)
            context.Response.Headers.ContentRange = $"bytes {from}-{to}/{content.Length}";
        context.Response.ContentLength = length;
        context.Response.ContentType = "application/octet-stream";
        var body = content.AsMemory((int)from, length).ToArray();
        switch (hostility)
        {
            case Hostility.WrongBytes:
                body[body.Length / 2] ^= 0xFF;
                await context.Response.Body.WriteAsync(body);
                break;
            case Hostility.ForgedPieceList:
                await context.Response.Body.WriteAsync(body);
                break;
            case Hostility.StallAfterHeaders:
                await context.Response.StartAsync();
                await context.Response.Body.FlushAsync();
                await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                context.Abort();
                break;
            case Hostility.CloseEarly:
                await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
                await context.Response.Body.FlushAsync();
                context.Abort();
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
