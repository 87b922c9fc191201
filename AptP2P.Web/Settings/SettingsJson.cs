using System.Text.Json;
using System.Text.Json.Nodes;

namespace AptP2P.Web.Settings;

/// <summary>How settings documents look in the API: camelCase, property names matched case-insensitively.</summary>
internal static class SettingsJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    /// <summary>JSON merge: objects are merged member by member, anything else (values, lists) replaces what was there.</summary>
    public static void MergeInto(JsonObject target, JsonObject changes)
    {
        foreach (var (name, value) in changes)
        {
            var existing = target.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));
            if (value is JsonObject inner && existing.Value is JsonObject targetInner)
            {
                MergeInto(targetInner, inner);
                continue;
            }
            if (existing.Key is not null)
                target.Remove(existing.Key);
            target[existing.Key ?? name] = value?.DeepClone();
        }
    }
}
