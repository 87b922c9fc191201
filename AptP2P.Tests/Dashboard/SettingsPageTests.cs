using System.Text.Json.Nodes;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Discovery;
using AptP2P.Web.Dashboard.Pages;
using AptP2P.Web.Settings;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AptP2P.Tests.Dashboard;

public sealed class SettingsPageTests : SettingsTestContext
{
    [Fact]
    public void Shows_the_settings_in_effect()
    {
        var cut = Render<Settings>();

        Assert.Equal("9977", Field(cut, SettingKeys.Port).GetAttribute("value"));
        Assert.Equal("20G", Field(cut, SettingKeys.CacheSizeLimit).GetAttribute("value"));
        Assert.Equal("8", Field(cut, SettingKeys.UploadSlots).GetAttribute("value"));
        Assert.Contains("/var/cache/apt/archives", Field(cut, SettingKeys.SharedDirectories).TextContent, StringComparison.Ordinal);
        Assert.Contains(SettingsPath, cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_value_is_marked_on_its_field_and_nothing_can_be_saved()
    {
        var cut = Render<Settings>();

        Field(cut, SettingKeys.CacheSizeLimit).Change("lots");
        Field(cut, SettingKeys.DhtAlpha).Change("99");

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("AptP2P:Cache:SizeLimit must be a size such as 512M", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("The field Alpha must be between 1 and 32.", cut.Markup, StringComparison.Ordinal);
        });
        Assert.True(cut.Find("[data-testid=settings-save]").HasAttribute("disabled"));
        Assert.False(File.Exists(SettingsPath));
    }

    [Fact]
    public void A_good_value_is_saved_alone_to_settings_json_and_applies_at_once()
    {
        var cut = Render<Settings>();

        Field(cut, SettingKeys.CacheSizeLimit).Change("512M");
        Field(cut, SettingKeys.UploadRateLimit).Change("10M");
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=settings-save]").HasAttribute("disabled")));
        cut.Find("[data-testid=settings-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Saved: AptP2P:Cache:SizeLimit, AptP2P:Peers:UploadRateLimit.",
            cut.Find("[data-testid=settings-saved]").TextContent, StringComparison.Ordinal));
        var saved = JsonNode.Parse(File.ReadAllText(SettingsPath))!;
        Assert.Equal("""{"AptP2P":{"Cache":{"SizeLimit":"512M"},"Peers":{"UploadRateLimit":"10M"}}}""", saved.ToJsonString());
        Assert.Equal("512M", Services.GetRequiredService<IOptionsMonitor<AptP2POptions>>().CurrentValue.Cache.SizeLimit);
        Assert.Equal("10M", Services.GetRequiredService<IOptionsMonitor<PeerOptions>>().CurrentValue.UploadRateLimit);
        Assert.Empty(cut.FindAll("[data-testid=settings-restart]"));
    }

    [Fact]
    public void Says_which_changes_need_a_restart()
    {
        var cut = Render<Settings>();

        Field(cut, SettingKeys.Port).Change("9988");
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=settings-save]").HasAttribute("disabled")));
        Assert.Contains("Applies after a restart.", cut.Markup, StringComparison.Ordinal);
        cut.Find("[data-testid=settings-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Restart AptP2P for these to take effect: AptP2P:Port",
            cut.Find("[data-testid=settings-restart]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void Lists_are_edited_one_entry_per_line()
    {
        var cut = Render<Settings>();

        Field(cut, SettingKeys.AllowedClients).Change("127.0.0.0/8\n192.168.1.0/24\n");
        Field(cut, SettingKeys.BootstrapNodes).Change("");
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=settings-save]").HasAttribute("disabled")));
        cut.Find("[data-testid=settings-save]").Click();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=settings-saved]")));
        var saved = JsonNode.Parse(File.ReadAllText(SettingsPath))!["AptP2P"]!;
        Assert.Equal("""["127.0.0.0/8","192.168.1.0/24"]""", saved["AllowedClients"]!.ToJsonString());
        Assert.Equal("[]", saved["Dht"]!["BootstrapNodes"]!.ToJsonString());
    }

    [Fact]
    public void Undo_brings_back_the_values_in_effect()
    {
        var cut = Render<Settings>();
        Field(cut, SettingKeys.CacheSizeLimit).Change("lots");

        cut.Find("[data-testid=settings-reset]").Click();

        cut.WaitForAssertion(() => Assert.Equal("20G", Field(cut, SettingKeys.CacheSizeLimit).GetAttribute("value")));
        Assert.DoesNotContain("must be a size", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void The_discovery_modes_are_switches_that_apply_when_saved()
    {
        var cut = Render<Settings>();
        Assert.Contains("Find nodes on the local network", cut.Markup, StringComparison.Ordinal);

        Field(cut, SettingKeys.DiscoveryPublicDht).Change(false);
        cut.WaitForAssertion(() => Assert.Contains(SettingKeys.DiscoveryPublicDht, cut.Find("[data-testid=settings-pending]").TextContent, StringComparison.Ordinal));
        cut.Find("[data-testid=settings-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Saved: AptP2P:Discovery:PublicDht.", cut.Find("[data-testid=settings-saved]").TextContent, StringComparison.Ordinal));
        Assert.False(Services.GetRequiredService<IOptionsMonitor<DiscoveryOptions>>().CurrentValue.PublicDht);
        Assert.Empty(cut.FindAll("[data-testid=settings-restart]"));
    }

    [Fact]
    public void Port_mapping_is_switched_off_from_the_form_at_once()
    {
        var cut = Render<Settings>();

        Field(cut, SettingKeys.PortMapping).Change(false);
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=settings-save]").HasAttribute("disabled")));
        cut.Find("[data-testid=settings-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Saved: AptP2P:PortMapping:Enabled.", cut.Find("[data-testid=settings-saved]").TextContent, StringComparison.Ordinal));
        Assert.False(Services.GetRequiredService<IOptionsMonitor<AptP2P.Engine.PortMapping.PortMappingOptions>>().CurrentValue.Enabled);
        Assert.Empty(cut.FindAll("[data-testid=settings-restart]"));
    }

    [Fact]
    public void The_swarm_key_is_typed_saved_and_never_shown_again_and_can_be_removed()
    {
        const string Secret = "lab-42 correct horse battery";
        var cut = Render<Settings>();
        var key = Field(cut, SettingKeys.SwarmKey);
        Assert.Equal("password", key.GetAttribute("type"));
        Assert.Contains("none: an open swarm", key.GetAttribute("placeholder"), StringComparison.Ordinal);

        Field(cut, SettingKeys.SwarmKey).Change("short");
        cut.WaitForAssertion(() => Assert.Contains("at least 12 characters", cut.Markup, StringComparison.Ordinal));
        Assert.True(cut.Find("[data-testid=settings-save]").HasAttribute("disabled"));
        Field(cut, SettingKeys.SwarmKey).Change(Secret);
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=settings-save]").HasAttribute("disabled")));
        cut.Find("[data-testid=settings-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Saved: AptP2P:Discovery:SwarmKey.", cut.Find("[data-testid=settings-saved]").TextContent, StringComparison.Ordinal));
        Assert.Equal(Secret, Services.GetRequiredService<IOptionsMonitor<DiscoveryOptions>>().CurrentValue.SwarmKey);
        // After the save the form holds no secret, only that one is set; a new page neither.
        Assert.DoesNotContain(Secret, cut.Markup, StringComparison.Ordinal);
        Assert.Contains("set (hidden)", Field(cut, SettingKeys.SwarmKey).GetAttribute("placeholder"), StringComparison.Ordinal);
        var fresh = Render<Settings>();
        Assert.DoesNotContain(Secret, fresh.Markup, StringComparison.Ordinal);
        Assert.Contains("No unsaved changes.", fresh.Find("[data-testid=settings-pending]").TextContent, StringComparison.Ordinal);

        fresh.Find($"[data-testid='{SettingKeys.SwarmKey}:remove']").Click();
        fresh.WaitForAssertion(() => Assert.NotNull(fresh.Find($"[data-testid='{SettingKeys.SwarmKey}:removing']")));
        fresh.Find("[data-testid=settings-save]").Click();
        fresh.WaitForAssertion(() => Assert.Contains("Saved: AptP2P:Discovery:SwarmKey.", fresh.Find("[data-testid=settings-saved]").TextContent, StringComparison.Ordinal));
        Assert.False(Services.GetRequiredService<IOptionsMonitor<DiscoveryOptions>>().CurrentValue.HasSwarmKey);
    }

    private static AngleSharp.Dom.IElement Field(IRenderedComponent<Settings> cut, string key) =>
        cut.Find($"[data-testid='{key}']") is var element && element.TagName is "INPUT" or "TEXTAREA"
            ? element
            : element.QuerySelector("input, textarea") ?? element;
}
