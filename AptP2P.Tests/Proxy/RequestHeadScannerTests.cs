using System.Text;
using AptP2P.Web.Proxy;

namespace AptP2P.Tests.Proxy;

public sealed class RequestHeadScannerTests
{
    [Fact]
    public void A_complete_get_head_yields_its_target_and_length()
    {
        var bytes = Encoding.ASCII.GetBytes("GET /h.example/pool/x.deb HTTP/1.1\r\nHost: a\r\nUser-Agent: apt\r\n\r\nGET /next");

        var length = RequestHeadScanner.TryRead(bytes, out var head);

        Assert.Equal(bytes.Length - "GET /next".Length, length);
        Assert.True(head.IsGet);
        Assert.Equal("/h.example/pool/x.deb", head.Target);
        Assert.False(head.HasBody);
    }

    [Fact]
    public void Without_its_target_a_head_still_gives_its_length_and_kind()
    {
        var bytes = Encoding.ASCII.GetBytes("GET /h.example/pool/x.deb HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");

        var length = RequestHeadScanner.TryRead(bytes, out var head, withTarget: false);

        Assert.Equal(bytes.Length, length);
        Assert.True(head.IsGet);
        Assert.True(head.IsUpgrade);
        Assert.Equal("", head.Target);
    }

    [Theory]
    [InlineData("GET /a HTTP/1.1\r\nHost: a\r\n", 0)]
    [InlineData("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\n", 1)]
    [InlineData("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n", 2)]
    [InlineData("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n", 2)]
    public void Complete_heads_are_counted_up_to_two(string text, int expected)
    {
        Assert.Equal(expected, RequestHeadScanner.CountCompleteHeads(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void An_incomplete_head_asks_for_more_bytes()
    {
        Assert.Equal(0, RequestHeadScanner.TryRead("GET /x HTTP/1.1\r\nHost: a\r\n"u8, out _));
    }

    [Theory]
    [InlineData("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\n", true, false)]
    [InlineData("POST /x HTTP/1.1\r\ncontent-length: 0\r\n\r\n", false, false)]
    [InlineData("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", true, false)]
    [InlineData("GET /_blazor HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", false, true)]
    public void Bodies_and_upgrades_are_recognised(string text, bool hasBody, bool upgrade)
    {
        RequestHeadScanner.TryRead(Encoding.ASCII.GetBytes(text), out var head);

        Assert.Equal(hasBody, head.HasBody);
        Assert.Equal(upgrade, head.IsUpgrade);
    }

    [Theory]
    [InlineData("GARBAGE\r\n\r\n")]
    [InlineData("GET /x HTTP/2\r\n\r\n")]
    [InlineData("GET\r\n\r\n")]
    public void Lines_that_are_not_http11_request_lines_stop_the_scan(string text)
    {
        Assert.Equal(-1, RequestHeadScanner.TryRead(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void Heads_longer_than_the_limit_stop_the_scan()
    {
        var huge = Encoding.ASCII.GetBytes("GET /x HTTP/1.1\r\nX: " + new string('a', RequestHeadScanner.MaxHeadLength + 10));
        Assert.Equal(-1, RequestHeadScanner.TryRead(huge, out _));
    }
}
