// The fixtures drive apt-get, nginx, dpkg and gpg and set Unix file modes: this assembly runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
