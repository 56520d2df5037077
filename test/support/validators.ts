/** The real consumers svcspec's outputs are proven with, as scripts/setup-tools.sh installs them. */
export const VALIDATORS = ["promtool", "amtool", "alertmanager", "opa", "k6", "kubeconform", "luajit", "luacheck", "goyaml", "sloth"] as const;
