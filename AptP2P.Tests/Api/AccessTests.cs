using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Mvc;

namespace AptP2P.Tests.Api;

/// <summary>Who may use the dashboard, the API, the hub and the form, and that other sites cannot make a browser change anything.</summary>
public sealed class AccessTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Outsider = "192.0.2.55";
    private readonly HttpClient _client = factory.CreateClient();
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/settings")]
    [InlineData("GET", "/api/stats")]
    [InlineData("GET", "/api/dht")]
    [InlineData("PUT", "/api/settings")]
    [InlineData("DELETE", "/api/cache/0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("GET", "/openapi/v1.json")]
    [InlineData("GET", "/healthz")]
    [InlineData("GET", "/metrics")]
    [InlineData("POST", "/hubs/stats/negotiate?negotiateVersion=1")]
    [InlineData("POST", "/_blazor/negotiate?negotiateVersion=1")]
    public async Task Others_get_403_from_every_door_of_the_node(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        request.Headers.Add(ApiFactory.RemoteAddressHeader, Outsider);
        if (method == "PUT")
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");

        using var response = await _client.SendAsync(request, Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(Token);
        Assert.Contains("AllowedClients", problem!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Others_still_reach_the_peer_protocol()
    {
        using var response = await SendAsync(HttpMethod.Get, "/~/0000000000000000000000000000000000000000000000000000000000000000", (ApiFactory.RemoteAddressHeader, Outsider));

        Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("Origin", "http://evil.example")]
    [InlineData("Origin", "http://localhost:8080")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task A_change_sent_by_a_browser_from_another_site_is_refused(string header, string value)
    {
        using var put = Put("""{ "peers": { "uploadSlots": 5 } }""");
        put.Headers.Add(header, value);
        using var delete = new HttpRequestMessage(HttpMethod.Delete, new Uri("/api/cache/0000000000000000000000000000000000000000000000000000000000000000", UriKind.Relative));
        delete.Headers.Add(header, value);

        using var putResponse = await _client.SendAsync(put, Token);
        using var deleteResponse = await _client.SendAsync(delete, Token);

        Assert.Equal(HttpStatusCode.Forbidden, putResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deleteResponse.StatusCode);
        Assert.Contains("cross-site", (await putResponse.Content.ReadFromJsonAsync<ProblemDetails>(Token))!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_with_no_remote_address_is_refused()
    {
        using var response = await SendAsync(HttpMethod.Get, "/api/stats", (ApiFactory.RemoteAddressHeader, ApiFactory.NoRemoteAddress));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(Token);
        Assert.Contains("AllowedClients", problem!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_live_connection_opened_from_another_site_is_refused()
    {
        using var response = await SendAsync(HttpMethod.Post, "/hubs/stats/negotiate?negotiateVersion=1", ("Origin", "http://evil.example"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task The_same_origin_and_scripts_without_browser_headers_may_change_settings()
    {
        using var sameOrigin = Put("""{ "peers": { "uploadSlots": 6 } }""");
        sameOrigin.Headers.Add("Origin", "http://localhost");
        sameOrigin.Headers.Add("Sec-Fetch-Site", "same-origin");
        using var script = Put("""{ "peers": { "uploadSlots": 7 } }""");

        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(sameOrigin, Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(script, Token)).StatusCode);
    }

    [Fact]
    public async Task A_page_may_be_opened_from_a_link_on_another_site()
    {
        using var response = await SendAsync(HttpMethod.Get, "/", ("Sec-Fetch-Site", "cross-site"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_host_name_someone_else_could_rebind_is_refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/stats", UriKind.Relative));
        request.Headers.Host = "attacker.example:9977";

        using var response = await _client.SendAsync(request, Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, (string Name, string Value) header)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Add(header.Name, header.Value);
        return await _client.SendAsync(request, Token);
    }

    private static HttpRequestMessage Put(string json) =>
        new(HttpMethod.Put, new Uri("/api/settings", UriKind.Relative)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}
