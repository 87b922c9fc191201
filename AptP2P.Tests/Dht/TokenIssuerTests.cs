using System.Net;
using AptP2P.Engine.Dht.Storage;
using Microsoft.Extensions.Time.Testing;

namespace AptP2P.Tests.Dht;

public sealed class TokenIssuerTests
{
    private static readonly IPAddress Requester = IPAddress.Parse("198.51.100.7");

    [Fact]
    public void A_token_is_valid_for_at_least_one_rotation_and_at_most_two()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
        var tokens = new TokenIssuer(time, TimeSpan.FromMinutes(5));
        var token = tokens.Issue(Requester);
        Assert.True(tokens.IsValid(Requester, token));
        time.Advance(TimeSpan.FromMinutes(4.9));
        Assert.True(tokens.IsValid(Requester, token));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(tokens.IsValid(Requester, token));
        time.Advance(TimeSpan.FromMinutes(0.2));
        Assert.False(tokens.IsValid(Requester, token));
    }

    [Fact]
    public void A_token_is_bound_to_the_requester_address()
    {
        var time = new FakeTimeProvider();
        var tokens = new TokenIssuer(time, TimeSpan.FromMinutes(5));
        var token = tokens.Issue(Requester);
        Assert.False(tokens.IsValid(IPAddress.Parse("198.51.100.8"), token));
        Assert.False(tokens.IsValid(Requester, token.AsSpan(1)));
        Assert.False(tokens.IsValid(Requester, []));
    }

    [Fact]
    public void After_a_long_silence_old_tokens_are_refused()
    {
        var time = new FakeTimeProvider();
        var tokens = new TokenIssuer(time, TimeSpan.FromMinutes(5));
        var token = tokens.Issue(Requester);
        time.Advance(TimeSpan.FromHours(3));
        Assert.False(tokens.IsValid(Requester, token));
        Assert.True(tokens.IsValid(Requester, tokens.Issue(Requester)));
    }

    [Fact]
    public void The_rate_limiter_allows_a_burst_then_the_sustained_rate()
    {
        var time = new FakeTimeProvider();
        var limiter = new SourceRateLimiter(time, perSecond: 10, burst: 20);
        Assert.Equal(20, Enumerable.Range(0, 100).Count(_ => limiter.Allow(Requester)));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(10, Enumerable.Range(0, 100).Count(_ => limiter.Allow(Requester)));
        Assert.True(limiter.Allow(IPAddress.Parse("192.0.2.1")));
    }
}
