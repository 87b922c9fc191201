using System.Net;
using System.Net.Http.Json;
using AptP2P.Engine;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace AptP2P.Tests.Api;

public sealed class CacheApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Lists_cached_files_filtered_and_paged()
    {
        AddCachedFile("api.example/pool/main/h/hello/hello_1.0_amd64.deb");
        AddCachedFile("api.example/pool/main/t/tree/tree_1.0_amd64.deb");
        AddCachedFile("api.example/pool/main/t/tar/tar_1.0_amd64.deb");

        var page = await _client.GetFromJsonAsync<CachePage>(new Uri("/api/cache?q=pool/main/t/&order=name&page=0&pageSize=1", UriKind.Relative), Token);

        Assert.Equal(2, page!.Total);
        Assert.Equal("tar_1.0_amd64.deb", Assert.Single(page.Files).Name);
    }

    [Fact]
    public async Task Gets_one_file_by_its_sha256()
    {
        var hash = AddCachedFile("api.example/pool/main/f/figlet/figlet_1.0_amd64.deb");

        var file = await _client.GetFromJsonAsync<CatalogFile>(new Uri($"/api/cache/{hash}", UriKind.Relative), Token);

        Assert.Equal(["api.example/pool/main/f/figlet/figlet_1.0_amd64.deb"], file!.Paths);
        Assert.Equal(hash.ToString(), file.Sha256);
    }

    [Fact]
    public async Task Deletes_a_file_then_it_is_gone()
    {
        var hash = AddCachedFile("api.example/pool/main/g/gone/gone_1.0_amd64.deb");

        using var deleted = await _client.DeleteAsync(new Uri($"/api/cache/{hash}", UriKind.Relative), Token);
        using var again = await _client.GetAsync(new Uri($"/api/cache/{hash}", UriKind.Relative), Token);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Null(factory.Services.GetRequiredService<ContentStore>().Find(hash));
    }

    [Fact]
    public async Task A_file_being_read_is_not_deleted()
    {
        var hash = AddCachedFile("api.example/pool/main/b/busy/busy_1.0_amd64.deb");
        using var lease = factory.Services.GetRequiredService<ContentStore>().TryOpen(hash);

        using var response = await _client.DeleteAsync(new Uri($"/api/cache/{hash}", UriKind.Relative), Token);

        await AssertProblemAsync(response, HttpStatusCode.Conflict, "File in use");
    }

    [Theory]
    [InlineData("GET", "/api/cache/not-a-hash", HttpStatusCode.BadRequest)]
    [InlineData("DELETE", "/api/cache/not-a-hash", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/api/cache/0000000000000000000000000000000000000000000000000000000000000000", HttpStatusCode.NotFound)]
    [InlineData("DELETE", "/api/cache/0000000000000000000000000000000000000000000000000000000000000000", HttpStatusCode.NotFound)]
    [InlineData("GET", "/api/cache?order=sideways", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/api/cache?pageSize=100000", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/api/cache?page=-1", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/api/cache?page=first", HttpStatusCode.BadRequest)]
    public async Task Bad_input_is_answered_with_problem_details(string method, string path, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        using var response = await _client.SendAsync(request, Token);

        await AssertProblemAsync(response, status, title: null);
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? title)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(Token);
        Assert.Equal((int)status, problem!.Status);
        if (title is not null)
            Assert.Equal(title, problem.Title);
    }

    private ContentHash AddCachedFile(string urlKey)
    {
        var content = System.Text.Encoding.UTF8.GetBytes(urlKey);
        var hash = ContentHash.Compute(content);
        var partial = factory.Services.GetRequiredService<DataDirectory>().NewPartialPath();
        File.WriteAllBytes(partial, content);
        factory.Services.GetRequiredService<ContentStore>().Add(partial, hash, content.Length, verified: true);
        factory.Services.GetRequiredService<UrlRecords>().Set(urlKey, new UrlInfo(hash, content.Length, null, null, null, DateTimeOffset.UtcNow));
        return hash;
    }
}
