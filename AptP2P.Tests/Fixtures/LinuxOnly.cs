// The end-to-end fixtures drive apt-get, nginx, dpkg and gpg and set Unix file modes: this test assembly runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
