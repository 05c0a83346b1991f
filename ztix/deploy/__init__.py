"""Deploying BIRD configs to route servers over SSH with a safe, reversible reload.

`SshDeployer` (deployer.py) orchestrates the route servers; `Change` (change.py) is one route
server's prepare/commit state machine; ssh.py is the SSH plumbing. The types the deployer
speaks (Target, DeployResult, DeployError, DeploySettings, Render) belong to its port, ztix.ports.
"""

from ztix.deploy.deployer import Hook, SshDeployer
from ztix.deploy.ssh import sha256

__all__ = ["Hook", "SshDeployer", "sha256"]
