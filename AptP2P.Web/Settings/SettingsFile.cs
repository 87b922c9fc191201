using System.Text.Json;
using System.Text.Json.Nodes;

namespace AptP2P.Web.Settings;

/// <summary>
/// <c>settings.json</c> in the data directory: the configuration layer the settings form writes. Only the keys given are
/// touched; everything else in the file stays as it was. Written to a temporary file and renamed over the old one, so a
/// reader (the configuration's file watcher, or a crash) never sees half a file.
/// </summary>
public sealed class SettingsFile(string path)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Readable by the node's own user only: the file may hold the swarm key.</summary>
    private static FileStreamOptions CreateOptions()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return options;
    }

    public string Path { get; } = path;

    /// <summary>Sets each <c>AptP2P:Section:Name</c> key to its value, creating the objects on the way.</summary>
    public async Task WriteAsync(IReadOnlyDictionary<string, JsonNode?> values, CancellationToken cancellationToken)
    {
        var root = await ReadAsync(cancellationToken);
        foreach (var (key, value) in values)
        {
            var segments = key.Split(':');
            var parent = root;
            foreach (var segment in segments[..^1])
            {
                if (parent[segment] is not JsonObject child)
                    parent[segment] = child = [];
                parent = child;
            }
            parent[segments[^1]] = value?.DeepClone();
        }

        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, CreateOptions()))
            {
                await JsonSerializer.SerializeAsync(stream, root, Indented, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, Path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The file's content; an absent or empty file is an empty object.</summary>
    public async Task<JsonObject> ReadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
            return [];
        await using var stream = File.OpenRead(Path);
        if (stream.Length == 0)
            return [];
        var node = await JsonNode.ParseAsync(stream, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true },
            cancellationToken: cancellationToken);
        return node as JsonObject ?? throw new InvalidDataException($"{Path} does not hold a JSON object.");
    }
}
