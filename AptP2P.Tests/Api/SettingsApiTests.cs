using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AptP2P.Engine;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Discovery;
using AptP2P.Web.Settings;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AptP2P.Tests.Api;

/// <summary>Each test saves settings, so each gets its own node and settings.json: no test sees another's changes.</summary>
public sealed class SettingsApiTests : IAsyncLifetime
{
    private readonly ApiFactory _factory = new();
    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _client = _factory.CreateClient();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;
    private static readonly Uri Settings = new("/api/settings", UriKind.Relative);

    [Fact]
    public async Task Get_returns_the_settings_in_effect()
    {
        var settings = await _client.GetFromJsonAsync<SettingsDocument>(Settings, Token);

        Assert.Equal(_factory.DataDirectory, settings!.DataDirectory);
        Assert.Equal("127.0.0.1", settings.BindAddress);
        Assert.Empty(settings.Dht.BootstrapNodes);
    }

    [Fact]
    public async Task Put_saves_the_changed_keys_and_they_apply_at_once()
    {
        using var response = await PutAsync("""{ "mirror": { "stallTimeoutSeconds": 45 }, "peers": { "uploadSlots": 3 } }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<SettingsSaveResult>(Token);
        Assert.Equal([SettingKeys.MirrorStallTimeout, SettingKeys.UploadSlots], result!.Changed);
        Assert.Empty(result.RestartRequired);
        var saved = JsonNode.Parse(await File.ReadAllTextAsync(_factory.SettingsPath, Token))!["AptP2P"]!;
        Assert.Equal(45, saved["Mirror"]!["StallTimeoutSeconds"]!.GetValue<int>());
        Assert.Equal(3, saved["Peers"]!["UploadSlots"]!.GetValue<int>());
        Assert.Null(saved["Port"]);
        Assert.Equal(45, _factory.Services.GetRequiredService<IOptionsMonitor<AptP2POptions>>().CurrentValue.Mirror.StallTimeoutSeconds);
        var after = await _client.GetFromJsonAsync<SettingsDocument>(Settings, Token);
        Assert.Equal(3, after!.Peers.UploadSlots);
    }

    [Fact]
    public async Task Put_says_what_needs_a_restart_and_what_the_command_line_overrides()
    {
        using var response = await PutAsync("""{ "port": 9988, "mirror": { "maxConcurrentDownloads": 8 } }""");

        var result = await response.Content.ReadFromJsonAsync<SettingsSaveResult>(Token);
        Assert.Equal([SettingKeys.Port, SettingKeys.MirrorConcurrentDownloads], result!.RestartRequired);
        // The test host sets AptP2P:Port itself, as a command line would: settings.json cannot win over it.
        Assert.Equal([SettingKeys.Port], result.Overridden);
    }

    [Fact]
    public async Task A_lower_cache_limit_evicts_at_once()
    {
        var store = _factory.Services.GetRequiredService<ContentStore>();
        var content = new byte[8192];
        var hash = ContentHash.Compute(content);
        var partial = _factory.Services.GetRequiredService<DataDirectory>().NewPartialPath();
        await File.WriteAllBytesAsync(partial, content, Token);
        store.Add(partial, hash, content.Length, verified: true);

        using var response = await PutAsync("""{ "cache": { "sizeLimit": "4K" } }""");
        using var restore = await PutAsync("""{ "cache": { "sizeLimit": "20G" } }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(store.Find(hash));
    }

    [Fact]
    public async Task A_saved_list_replaces_the_default_one_and_may_be_empty()
    {
        using var some = await PutAsync("""{ "peers": { "sharedDirectories": ["/srv/debs", "/var/cache/apt/archives"] } }""");
        var afterSome = await _client.GetFromJsonAsync<SettingsDocument>(Settings, Token);
        using var none = await PutAsync("""{ "peers": { "sharedDirectories": [] } }""");
        var afterNone = await _client.GetFromJsonAsync<SettingsDocument>(Settings, Token);

        Assert.Equal(HttpStatusCode.OK, some.StatusCode);
        Assert.Equal(["/srv/debs", "/var/cache/apt/archives"], afterSome!.Peers.SharedDirectories);
        Assert.Empty((await none.Content.ReadFromJsonAsync<SettingsSaveResult>(Token))!.Overridden);
        Assert.Empty(afterNone!.Peers.SharedDirectories);
    }

    [Fact]
    public async Task Invalid_values_are_refused_field_by_field_and_nothing_is_saved()
    {
        var before = File.Exists(_factory.SettingsPath) ? await File.ReadAllTextAsync(_factory.SettingsPath, Token) : null;

        using var response = await PutAsync("""{ "bindAddress": "somewhere", "cache": { "sizeLimit": "lots" }, "dht": { "alpha": 0 }, "allowedClients": ["nonsense"], "peers": { "sharedDirectories": ["relative/debs"] } }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>(Token);
        Assert.Contains("must be an IP address", Assert.Single(problem!.Errors[SettingKeys.BindAddress]), StringComparison.Ordinal);
        Assert.Contains("must be a size", Assert.Single(problem.Errors[SettingKeys.CacheSizeLimit]), StringComparison.Ordinal);
        Assert.Contains("between 1 and 32", Assert.Single(problem.Errors[SettingKeys.DhtAlpha]), StringComparison.Ordinal);
        Assert.Contains("CIDR", Assert.Single(problem.Errors[SettingKeys.AllowedClients]), StringComparison.Ordinal);
        Assert.Contains("absolute paths", Assert.Single(problem.Errors[SettingKeys.SharedDirectories]), StringComparison.Ordinal);
        var after = File.Exists(_factory.SettingsPath) ? await File.ReadAllTextAsync(_factory.SettingsPath, Token) : null;
        Assert.Equal(before, after);
    }

    [Theory]
    [InlineData("{ not json", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("[1, 2]", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("""{ "port": "high" }""", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("""{ "colour": "red" }""", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("""{ "port": 9988 }""", "text/plain", HttpStatusCode.UnsupportedMediaType)]
    public async Task Malformed_bodies_are_problems(string body, string mediaType, HttpStatusCode status)
    {
        using var response = await PutAsync(body, mediaType);

        await CacheApiTests.AssertProblemAsync(response, status, title: null);
    }

    [Fact]
    public async Task The_discovery_modes_are_saved_and_apply_at_once()
    {
        using var response = await PutAsync("""{ "discovery": { "publicDht": false, "port": 6881 } }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<SettingsSaveResult>(Token);
        Assert.Equal([SettingKeys.DiscoveryPublicDht, SettingKeys.DiscoveryPort], result!.Changed);
        Assert.Empty(result.RestartRequired);
        var discovery = _factory.Services.GetRequiredService<IOptionsMonitor<DiscoveryOptions>>().CurrentValue;
        Assert.False(discovery.PublicDht);
        Assert.Equal(6881, discovery.Port);
        var status = await _client.GetFromJsonAsync<JsonObject>(new Uri("/api/discovery", UriKind.Relative), Token);
        Assert.False(status!["publicDht"]!.GetValue<bool>());
        Assert.Equal(6881, status["port"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_swarm_key_is_write_only_kept_from_other_users_and_never_read_back()
    {
        const string Secret = "lab-42 correct horse battery";

        using (var set = await PutAsync($$"""{ "discovery": { "swarmKey": "{{Secret}}" } }"""))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            var body = await set.Content.ReadAsStringAsync(Token);
            Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
            var result = JsonSerializer.Deserialize<SettingsSaveResult>(body, JsonSerializerOptions.Web);
            Assert.Equal([SettingKeys.SwarmKey], result!.Changed);
            Assert.Empty(result.Overridden);
        }
        Assert.Equal(Secret, _factory.Services.GetRequiredService<IOptionsMonitor<DiscoveryOptions>>().CurrentValue.SwarmKey);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_factory.SettingsPath));

        var read = await _client.GetStringAsync(Settings, Token);
        Assert.DoesNotContain(Secret, read, StringComparison.Ordinal);
        var settings = JsonSerializer.Deserialize<SettingsDocument>(read, JsonSerializerOptions.Web)!;
        Assert.True(settings.Discovery.SwarmKeySet);
        Assert.Null(settings.Discovery.SwarmKey);
        Assert.DoesNotContain(Secret, await _client.GetStringAsync(new Uri("/api/discovery", UriKind.Relative), Token), StringComparison.Ordinal);

        // The same key again changes nothing; other settings saved leave it alone; an empty one removes it.
        using (var again = await PutAsync($$"""{ "discovery": { "swarmKey": "{{Secret}}" } }"""))
            Assert.Empty((await again.Content.ReadFromJsonAsync<SettingsSaveResult>(Token))!.Changed);
        using (var other = await PutAsync("""{ "peers": { "uploadSlots": 3 } }"""))
            Assert.Equal([SettingKeys.UploadSlots], (await other.Content.ReadFromJsonAsync<SettingsSaveResult>(Token))!.Changed);
        Assert.Equal(Secret, _factory.Services.GetRequiredService<IOptionsMonitor<DiscoveryOptions>>().CurrentValue.SwarmKey);
        using (var removed = await PutAsync("""{ "discovery": { "swarmKey": "" } }"""))
            Assert.Equal([SettingKeys.SwarmKey], (await removed.Content.ReadFromJsonAsync<SettingsSaveResult>(Token))!.Changed);
        Assert.False(_factory.Services.GetRequiredService<IOptionsMonitor<DiscoveryOptions>>().CurrentValue.HasSwarmKey);
        Assert.False((await _client.GetFromJsonAsync<SettingsDocument>(Settings, Token))!.Discovery.SwarmKeySet);
    }

    [Fact]
    public async Task A_short_swarm_key_is_refused_with_the_reason()
    {
        using var response = await PutAsync("""{ "discovery": { "swarmKey": "lab42" } }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Token);
        var errors = problem!["errors"]![SettingKeys.SwarmKey]!.AsArray();
        Assert.Contains("at least 12 characters", errors[0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("lab42", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_factory.SettingsPath));
    }

    private Task<HttpResponseMessage> PutAsync(string json, string mediaType = "application/json") =>
        _client.PutAsync(Settings, new StringContent(json, Encoding.UTF8, mediaType), Token);
}
