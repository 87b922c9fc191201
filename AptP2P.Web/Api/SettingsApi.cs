using System.Text.Json;
using System.Text.Json.Nodes;
using AptP2P.Web.Settings;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AptP2P.Web.Api;

/// <summary><c>/api/settings</c>: the settings in effect, and changing them with the rules of the settings form.</summary>
public static class SettingsApi
{
    public static RouteGroupBuilder MapSettingsApi(this RouteGroupBuilder api)
    {
        var settings = api.MapGroup("/settings").WithTags("Settings");
        settings.MapGet("/", Get).WithName("GetSettings").WithSummary("The user-facing settings in effect now");
        settings.MapPut("/", PutAsync).WithName("PutSettings")
            .Accepts<SettingsDocument>("application/json")
            .WithSummary("Validates and saves settings to settings.json; properties left out keep their values")
            .WithDescription("Nothing is saved when a value is invalid (400, errors keyed by configuration key such as AptP2P:Cache:SizeLimit). "
                + "The answer lists the keys changed, those that apply only after a restart, and those overridden by environment variables or the command line.");
        return api;
    }

    internal static SettingsDocument Get(SettingsEditor editor) => editor.Current();

    internal static async Task<Results<Ok<SettingsSaveResult>, ValidationProblem, ProblemHttpResult>> PutAsync(
        HttpRequest request, SettingsEditor editor, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the settings as application/json.");
        SettingsDocument wanted;
        try
        {
            if (await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken) is not JsonObject changes)
                return Problem(StatusCodes.Status400BadRequest, "Malformed settings", "The settings must be a JSON object.");
            wanted = editor.Merge(changes);
        }
        catch (JsonException ex)
        {
            return Problem(StatusCodes.Status400BadRequest, "Malformed settings", ex.Message);
        }

        var outcome = await editor.SaveAsync(wanted, cancellationToken);
        if (outcome.Saved is { } saved)
            return TypedResults.Ok(saved);
        return TypedResults.ValidationProblem(outcome.Errors, title: "Invalid settings", detail: "Nothing was saved.");
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
