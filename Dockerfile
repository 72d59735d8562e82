# The single-user image of the course, for Zero to JupyterHub (Kubernetes) or Binder: Debian 12, Node 20,
# the classic Jupyter Notebook with jupyterhub-singleuser, and the course with its TypeScript kernel.
#
# Its steps are the ones `npm run classroom -- setup` runs on one server (scripts/lib/classroom/system.mjs), so
# the classroom test in `npm test` covers them: the same apt packages; the project's packages (npm ci) shared
# read-only; the release (scripts/lib/classroom/course.mjs release) copied into the student's ~/mnist-course by
# scripts/lib/classroom/course.mjs install (run by the entry point at every start: new chapters arrive, and a
# notebook the student changed is kept, the new version put beside it).
#
# It has not been built on the project's own machine: that has no Docker engine and reaches only Debian's
# and npm's registries. Build it where Docker runs:  docker build -t mnist-course-singleuser .
FROM node:20-bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive \
    PYDEVD_DISABLE_FILE_VALIDATION=1 \
    MNIST_THREADS=1

# JupyterHub 3.0 (for jupyterhub-singleuser) and the classic Notebook 6.4, as `classroom setup` installs them.
# (apt also pulls Debian's own nodejs for node-configurable-http-proxy; /usr/local/bin/node, Node 20, stays first.)
RUN apt-get update \
 && apt-get install -y --no-install-recommends jupyterhub jupyter-notebook python3-notebook \
 && rm -rf /var/lib/apt/lists/*

# The student: jovyan, uid 1000, as Zero to JupyterHub and Binder expect (the base image's `node` user goes).
ARG NB_USER=jovyan
ARG NB_UID=1000
RUN userdel --remove node \
 && useradd --create-home --uid ${NB_UID} --shell /bin/bash ${NB_USER}

# The course and its packages, root-owned and read-only for the student (the shared part of `classroom setup`).
WORKDIR /opt/mnist-course
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node -e 'import("./scripts/lib/widget-bundle.mjs").then((m) => m.ensureWidgetBundle())' \
 && node scripts/lib/classroom/course.mjs release /opt/mnist-course /opt/mnist-course/release \
 && chmod -R a+rX,go-w /opt/mnist-course

# The student's own copy, made (and updated) by the entry point as the server starts, with the same command
# `classroom setup` runs as each student: on Kubernetes the home is a volume, filled on the first start.
USER ${NB_USER}
ENV JUPYTER_PATH=/home/${NB_USER}/mnist-course/jupyter
WORKDIR /home/${NB_USER}
EXPOSE 8888
ENTRYPOINT ["/opt/mnist-course/scripts/lib/classroom/singleuser-entry.sh"]
CMD ["jupyterhub-singleuser", "--ip=0.0.0.0", "--NotebookApp.notebook_dir=/home/jovyan/mnist-course/notebooks", "--MappingKernelManager.default_kernel_name=tslab", "--KernelSpecManager.ensure_native_kernel=False"]
