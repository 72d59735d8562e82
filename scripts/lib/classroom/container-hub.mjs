// A JupyterHub whose student servers are containers of the single-user image (scripts/lib/classroom/image.mjs), run
// with podman: what Zero to JupyterHub does on Kubernetes, on one machine. Each student's server is
//   podman run --rm --name mnist-NAME --network host -v mnist-home-NAME:/home/jovyan --memory M --cpus C IMAGE
//     jupyterhub-singleuser --port=… (the arguments the hub gives every server)
// with the hub's JUPYTERHUB_* variables passed through, so the container talks to the hub on loopback exactly as a
// pod talks to the hub's service. The home is a named volume: it outlives the container, so a student's work
// survives a restart, and the image's entry point updates the course in it at every start.
// Used by the image check (scripts/checks/image-test.mjs); students here are hub users only (no Unix accounts).

import { hubBasics, KERNEL_INFO_TIMEOUT_SECONDS, py } from "./hub.mjs";

export const homeVolume = (name) => `mnist-home-${name}`;
export const containerName = (name) => `mnist-${name}`;

/** jupyterhub_config.py for a hub on loopback that spawns the image for each of `students` (password login). */
export function containerHubConfig({ state, students, password, proxyCommand, image, containersConf, memory = "2g", cpus = "1", token }) {
  return `# Written by the image check (scripts/lib/classroom/container-hub.mjs).
import os
from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa
HUB = os.path.join(${py(state)}, "hub")


class PodmanSpawner(LocalProcessSpawner):
    """The student's server is a container; the hub process only runs \`podman run\` and watches it."""

    def make_preexec_fn(self, name):
        return None  # the container runs as the image's student (uid 1000), not as a Unix account here

    def user_env(self, env):
        env["CONTAINERS_CONF"] = ${py(containersConf)}
        env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
        return env

    def get_args(self):
        return super().get_args() + [
            "--MappingKernelManager.default_kernel_name=tslab",
            "--KernelSpecManager.ensure_native_kernel=False",
            "--NotebookApp.terminals_enabled=False",
            "--MappingKernelManager.kernel_info_timeout=${KERNEL_INFO_TIMEOUT_SECONDS}",
            "--KernelManager.transport=ipc",  # Unix sockets, as the class's hub (hub.mjs says why)
        ]

    async def start(self):
        name = self.user.name
        self.cmd = [
            "podman", "run", "--rm", "--replace", "--name", "mnist-" + name, "--network", "host",
            "--env", "JUPYTERHUB_*", "--env", "JPY_API_TOKEN",
            "-v", "mnist-home-" + name + ":/home/jovyan",
            "--memory", ${py(memory)}, "--cpus", ${py(cpus)},
            ${py(image)}, "jupyterhub-singleuser",
        ]
        return await super().start()


c.JupyterHub.spawner_class = PodmanSpawner
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = ${py(password)}
c.Authenticator.allowed_users = set(${py(students)})
${hubBasics(proxyCommand)}
c.JupyterHub.services = [{"name": "image-check", "api_token": ${py(token)}}]
c.JupyterHub.load_roles = [{"name": "image-check", "scopes": ["admin:servers", "list:users", "read:users"], "services": ["image-check"]}]
c.Spawner.ip = "127.0.0.1"
c.Spawner.notebook_dir = "/home/jovyan/mnist-course/notebooks"
c.Spawner.default_url = "/tree"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
`;
}
