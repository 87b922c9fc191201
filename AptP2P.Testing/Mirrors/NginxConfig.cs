namespace AptP2P.Testing.Mirrors;

/// <summary>The nginx.conf of an <see cref="NginxMirror"/>: every path inside its own directory, one server on one address.</summary>
internal static class NginxConfig
{
    public const string AccessLogName = "access.log";
    public const string ErrorLogName = "error.log";

    public static string Render(string directory, System.Net.IPEndPoint endPoint, string documentRoot, IReadOnlyList<string> serverConfig, int workers = 1, TestCertificateAuthority? tls = null)
    {
        var tmp = Path.Combine(directory, "tmp");
        Directory.CreateDirectory(tmp);
        // Without /etc/nginx/mime.types everything is served as application/octet-stream, which apt does not mind.
        var mimeTypes = File.Exists("/etc/nginx/mime.types") ? "include /etc/nginx/mime.types;" : string.Empty;
        var server = string.Join(Environment.NewLine, serverConfig.Select(line => "    " + line));
        var listen = tls is null
            ? $"listen {endPoint};"
            : $"listen {endPoint} ssl;\n    ssl_certificate {tls.CertificatePath};\n    ssl_certificate_key {tls.KeyPath};";
        return $$"""
            worker_processes {{workers}};
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/{{ErrorLogName}};
            events { worker_connections 1024; }
            http {
              {{mimeTypes}}
              default_type application/octet-stream;
              log_format apt '{{NginxLogEntry.LogFormat}}';
              access_log {{directory}}/{{AccessLogName}} apt;
              client_body_temp_path {{tmp}}/body;
              proxy_temp_path {{tmp}}/proxy;
              fastcgi_temp_path {{tmp}}/fastcgi;
              uwsgi_temp_path {{tmp}}/uwsgi;
              scgi_temp_path {{tmp}}/scgi;
              sendfile on;
              tcp_nopush on;
              keepalive_requests 10000;
              server {
                {{listen}}
                root {{documentRoot}};
                autoindex on;
            {{server}}
              }
            }

            """;
    }
}
